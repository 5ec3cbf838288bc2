from django.urls import path

from . import views

urlpatterns = [
    path("bids/<int:pk>/probe/", views.BidProbeView.as_view(), name="api-bid-probe"),
    path("bids/<int:pk>/probe/cancel/", views.BidProbeCancelView.as_view(), name="api-bid-probe-cancel"),
    path("organizations/<int:org_id>/jwks/", views.OrganizationJwksView.as_view(), name="api-org-jwks"),
]
