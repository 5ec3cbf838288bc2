from django.urls import path

from . import lot_views, views

app_name = "tenders"
urlpatterns = [
    path("", views.tender_list, name="tender_list"),
    path("new/", views.tender_create, name="tender_create"),
    path("<int:pk>/", views.tender_editor, name="tender_editor"),
    path("<int:pk>/edit/", views.tender_settings, name="tender_settings"),
    path("<int:pk>/parameters/", views.tender_parameters, name="tender_parameters"),
    path("<int:pk>/preview/", views.tender_preview, name="tender_preview"),
    path("<int:pk>/publish/", views.tender_publish, name="tender_publish"),
    path("<int:pk>/documents/", views.tender_document_request, name="tender_document_request"),
    path("<int:pk>/documents/<int:document_pk>/retry/", views.tender_document_retry, name="tender_document_retry"),
    path("<int:pk>/sets/apply/", views.tender_set_apply, name="tender_set_apply"),
    path("<int:pk>/lots/", lot_views.tender_lots, name="tender_lots"),
    path("<int:pk>/lots/allotment/", lot_views.tender_allotment, name="tender_allotment"),
    path("<int:pk>/lots/add/", lot_views.tender_lot_add, name="tender_lot_add"),
    path("<int:pk>/lots/<int:lot_pk>/edit/", lot_views.tender_lot_edit, name="tender_lot_edit"),
    path("<int:pk>/lots/<int:lot_pk>/delete/", lot_views.tender_lot_delete, name="tender_lot_delete"),
    path("<int:pk>/lots/clauses/", lot_views.tender_lot_clauses, name="tender_lot_clauses"),
    path("<int:pk>/clauses/add/", views.tender_clause_add, name="tender_clause_add"),
    path("<int:pk>/clauses/parameters/", views.tender_clauses_parameters, name="tender_clauses_parameters"),
    path("<int:pk>/clauses/<int:tc_pk>/parameters/", views.tender_clause_parameters, name="tender_clause_parameters"),
    path("<int:pk>/clauses/<int:tc_pk>/move/", views.tender_clause_move, name="tender_clause_move"),
    path("<int:pk>/clauses/<int:tc_pk>/remove/", views.tender_clause_remove, name="tender_clause_remove"),
]
