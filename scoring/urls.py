from django.urls import path

from . import views
from .views import procedure_record

app_name = "scoring"
urlpatterns = [
    path("", views.evaluation_list, name="evaluation_list"),
    path("tenders/<int:pk>/", views.evaluation_home, name="evaluation_home"),
    path("tenders/<int:pk>/evaluators/", views.evaluator_add, name="evaluator_add"),
    path("tenders/<int:pk>/evaluators/<str:username>/remove/", views.evaluator_remove, name="evaluator_remove"),
    path("tenders/<int:pk>/declaration/", views.declaration, name="declaration"),
    path("tenders/<int:pk>/reveal/", views.state_change, {"action": "reveal"}, name="reveal"),
    path("tenders/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("tenders/<int:pk>/close-technical/", views.state_change, {"action": "close"}, name="close_technical"),
    path("tenders/<int:pk>/criteria/", views.criteria_editor, name="criteria"),
    path("tenders/<int:pk>/bids/", views.bids, name="bids"),
    path("tenders/<int:pk>/bids/<int:bid_pk>/", views.bid_detail, name="bid_detail"),
    path("tenders/<int:pk>/requirements/", views.requirement_matrix, name="requirements_matrix"),
    path("tenders/<int:pk>/grid/", views.grid, name="grid"),
    path("tenders/<int:pk>/consensus/", views.consensus, name="consensus"),
    path("tenders/<int:pk>/results/", views.results_page, name="results"),
    path("tenders/<int:pk>/report/", views.report_request, name="report_request"),
    path("tenders/<int:pk>/award/", views.award_action, {"step": "decide"}, name="award_decide"),
    path(
        "tenders/<int:pk>/award/certificates/", views.award_action, {"step": "certificates"}, name="award_certificates"
    ),
    path(
        "tenders/<int:pk>/award/certificates-failed/",
        views.award_action,
        {"step": "failed"},
        name="award_certificates_failed",
    ),
    path("tenders/<int:pk>/award/letters-sent/", views.award_action, {"step": "sent"}, name="award_letters_sent"),
    path("tenders/<int:pk>/procedure-record/", procedure_record.procedure_record_page, name="procedure_record"),
    path("tenders/<int:pk>/simulation/", views.simulation_page, name="simulation"),
    path(
        "tenders/<int:pk>/low-offers/request/",
        views.low_offer_action,
        {"action": "request"},
        name="low_offer_request",
    ),
    path(
        "tenders/<int:pk>/low-offers/decision/",
        views.low_offer_action,
        {"action": "decision"},
        name="low_offer_decision",
    ),
    path(
        "tenders/<int:pk>/low-offers/threshold/",
        views.low_offer_action,
        {"action": "threshold"},
        name="low_offer_threshold",
    ),
]
