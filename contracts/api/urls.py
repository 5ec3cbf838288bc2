from django.urls import path

from . import views

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
]
