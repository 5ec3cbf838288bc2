from django.urls import path

from . import acceptance, execution, views

urlpatterns = [
    path("tenders/<int:tender_id>/contracts/", views.TenderContractsView.as_view(), name="api-tender-contracts"),
    path("tenders/<int:tender_id>/ocds/", views.TenderOcdsView.as_view(), name="api-tender-ocds"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="api-contract"),
    path(
        "contracts/<int:pk>/modifications/",
        views.ContractModificationsView.as_view(),
        name="api-contract-modifications",
    ),
    path(
        "contracts/<int:pk>/subcontracting/",
        views.ContractSubcontractingView.as_view(),
        name="api-contract-subcontracting",
    ),
    path("contracts/<int:pk>/decp/", views.ContractDecpView.as_view(), name="api-contract-decp"),
    # The acceptance plan (contracts/api/acceptance.py); fixed paths before the article's.
    path("contracts/<int:pk>/acceptance/", acceptance.AcceptancePlanView.as_view(), name="api-contract-acceptance"),
    path(
        "contracts/<int:pk>/acceptance/decision/",
        acceptance.AcceptanceDecisionView.as_view(),
        name="api-contract-acceptance-decision",
    ),
    path(
        "contracts/<int:pk>/acceptance/probe/",
        acceptance.AcceptanceProbeView.as_view(),
        name="api-contract-acceptance-probe",
    ),
    path(
        "contracts/<int:pk>/acceptance/audit/",
        acceptance.AcceptanceAuditView.as_view(),
        name="api-contract-acceptance-audit",
    ),
    path(
        "contracts/<int:pk>/acceptance/<str:article>/",
        acceptance.AcceptanceRowView.as_view(),
        name="api-contract-acceptance-row",
    ),
    path(
        "contracts/<int:pk>/acceptance/<str:article>/evidence/",
        acceptance.AcceptanceEvidenceView.as_view(),
        name="api-contract-acceptance-evidence",
    ),
    path("contracts/<int:pk>/documents/", acceptance.ContractDocumentsView.as_view(), name="api-contract-documents"),
    path("contracts/<int:pk>/requests/", execution.ContractRequestsView.as_view(), name="api-contract-requests"),
    path(
        "contracts/<int:pk>/requests/<int:request_id>/",
        execution.ContractRequestView.as_view(),
        name="api-contract-request",
    ),
    path("contracts/<int:pk>/penalties/", execution.ContractPenaltiesView.as_view(), name="api-contract-penalties"),
    path(
        "contracts/<int:pk>/penalties/observations/",
        execution.ContractObservationsView.as_view(),
        name="api-contract-penalty-observations",
    ),
    path(
        "contracts/<int:pk>/penalties/decisions/",
        execution.ContractDecisionsView.as_view(),
        name="api-contract-penalty-decisions",
    ),
    path(
        "contracts/<int:pk>/penalties/audit/",
        execution.ContractPenaltyAuditView.as_view(),
        name="api-contract-penalty-audit",
    ),
    path(
        "contracts/<int:pk>/availability/",
        execution.ContractAvailabilityView.as_view(),
        name="api-contract-availability",
    ),
    path(
        "contracts/<int:pk>/availability/import/",
        execution.ContractAvailabilityImportView.as_view(),
        name="api-contract-availability-import",
    ),
]
