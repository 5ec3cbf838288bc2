from django.urls import path

from . import views

urlpatterns = [
    path("bids/<int:pk>/probe/", views.BidProbeView.as_view(), name="api-bid-probe"),
]
