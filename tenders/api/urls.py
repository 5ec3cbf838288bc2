from django.urls import path
from rest_framework.routers import SimpleRouter

from .guidance import CompletenessView, SetApplyView
from .views import DocumentViewSet, LotViewSet, TenderClauseViewSet, TenderViewSet

app_name = "tenders-api"

router = SimpleRouter()
router.register("tenders", TenderViewSet, basename="tender")
router.register("documents", DocumentViewSet, basename="document")

clause_list = TenderClauseViewSet.as_view({"get": "list", "post": "create"})
clause_detail = TenderClauseViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})

lot_list = LotViewSet.as_view({"get": "list", "post": "create"})
lot_reorder = LotViewSet.as_view({"post": "reorder"})
lot_detail = LotViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    path("tenders/<int:tender_pk>/lots/", lot_list, name="tender-lot-list"),
    path("tenders/<int:tender_pk>/lots/reorder/", lot_reorder, name="tender-lot-reorder"),
    path("lots/<int:pk>/", lot_detail, name="lot-detail"),
    path("tenders/<int:tender_pk>/clauses/", clause_list, name="tender-clause-list"),
    path("tenders/<int:tender_pk>/clauses/<int:pk>/", clause_detail, name="tender-clause-detail"),
    path("tenders/<int:tender_pk>/completeness/", CompletenessView.as_view(), name="tender-completeness"),
    path("tenders/<int:tender_pk>/apply-set/", SetApplyView.as_view(), name="tender-apply-set"),
    *router.urls,
]
