from django.urls import path

from . import award, imports, lead, procedure_record, views

urlpatterns = [
    path("tenders/<int:tender_id>/criteria/", views.TenderCriteriaView.as_view(), name="api-tender-criteria"),
    path(
        "tenders/<int:tender_id>/criteria/from-clauses/",
        views.CriteriaFromClausesView.as_view(),
        name="api-tender-criteria-from-clauses",
    ),
    path("criteria/<int:pk>/", views.CriterionDetailView.as_view(), name="api-criterion"),
    path("tenders/<int:tender_id>/evaluators/", views.TenderEvaluatorsView.as_view(), name="api-tender-evaluators"),
    path(
        "tenders/<int:tender_id>/evaluators/<str:username>/",
        views.TenderEvaluatorDetailView.as_view(),
        name="api-tender-evaluator",
    ),
    path("tenders/<int:tender_id>/declaration/", views.DeclarationView.as_view(), name="api-tender-declaration"),
    path("tenders/<int:tender_id>/reveal/", views.RevealView.as_view(), name="api-tender-reveal"),
    path(
        "tenders/<int:tender_id>/close-technical/",
        views.CloseTechnicalView.as_view(),
        name="api-tender-close-technical",
    ),
    path("tenders/<int:tender_id>/reopen/", views.ReopenView.as_view(), name="api-tender-reopen"),
    path("tenders/<int:tender_id>/bids/", views.TenderBidsView.as_view(), name="api-tender-bids"),
    path("tenders/<int:tender_id>/results/", views.ResultsView.as_view(), name="api-tender-results"),
    path(
        "tenders/<int:tender_id>/procedure-record/",
        procedure_record.ProcedureRecordView.as_view(),
        name="api-tender-procedure-record",
    ),
    path("tenders/<int:tender_id>/award/", award.AwardView.as_view(), name="api-tender-award"),
    path(
        "tenders/<int:tender_id>/award/certificates/",
        award.CertificatesView.as_view(),
        name="api-tender-award-certificates",
    ),
    path(
        "tenders/<int:tender_id>/award/certificates-failed/",
        award.CertificatesFailedView.as_view(),
        name="api-tender-award-certificates-failed",
    ),
    path("tenders/<int:tender_id>/letters-sent/", award.LettersSentView.as_view(), name="api-tender-letters-sent"),
    path("tenders/<int:tender_id>/audit/", views.AuditView.as_view(), name="api-tender-audit"),
    path("tenders/<int:tender_id>/low-offers/", views.LowOffersView.as_view(), name="api-tender-low-offers"),
    path("tenders/<int:tender_id>/simulate/", views.SimulateView.as_view(), name="api-tender-simulate"),
    path("tenders/<int:tender_id>/market-check/", views.MarketCheckView.as_view(), name="api-tender-market-check"),
    path("bids/<int:pk>/low-offer/request/", views.LowOfferRequestView.as_view(), name="api-bid-low-offer-request"),
    path("bids/<int:pk>/low-offer/decision/", views.LowOfferDecisionView.as_view(), name="api-bid-low-offer-decision"),
    path("bids/<int:pk>/", views.BidDetailView.as_view(), name="api-bid"),
    path("bids/<int:pk>/answers/", views.BidAnswersView.as_view(), name="api-bid-answers"),
    path("bids/<int:pk>/questionnaire/", imports.QuestionnaireImportView.as_view(), name="api-bid-questionnaire"),
    path("bids/<int:pk>/price-schedule/", imports.PriceScheduleImportView.as_view(), name="api-bid-price-schedule"),
    path("imports/<int:pk>/", imports.ImportJobView.as_view(), name="api-import-job"),
    path("bids/<int:pk>/scores/", views.BidScoresView.as_view(), name="api-bid-scores"),
    path("bids/<int:bid_id>/scores/<int:criterion_id>/", views.ScoreView.as_view(), name="api-bid-score"),
    path(
        "tenders/<int:tender_id>/eliminatory/",
        lead.TenderEliminatoryBatchView.as_view(),
        name="api-tender-eliminatory-batch",
    ),
    path("bids/<int:pk>/eliminatory/", views.BidEliminatoryListView.as_view(), name="api-bid-eliminatory-list"),
    path(
        "bids/<int:pk>/eliminatory/accept-declared/",
        lead.AcceptDeclaredView.as_view(),
        name="api-bid-eliminatory-accept-declared",
    ),
    path(
        "bids/<int:bid_id>/eliminatory/<int:criterion_id>/",
        views.BidEliminatoryView.as_view(),
        name="api-bid-eliminatory",
    ),
    path("bids/<int:bid_id>/consensus/<int:criterion_id>/", views.ConsensusView.as_view(), name="api-bid-consensus"),
]
