from django.urls import path

from . import views

app_name = "clause_library"
urlpatterns = [
    path("", views.library_list, name="library_list"),
    path("new/", views.library_create, name="library_create"),
    path("import/", views.library_import, name="library_import"),
    path("<int:pk>/", views.library_detail, name="library_detail"),
    path("<int:pk>/export/", views.library_export, name="library_export"),
    path("<int:pk>/fork/", views.library_fork, name="library_fork"),
    path("<int:pk>/share/", views.library_share, name="library_share"),
    path("<int:pk>/updates/", views.library_updates, name="library_updates"),
    path("<int:library_pk>/clauses/new/", views.clause_create, name="clause_create"),
    path("<int:library_pk>/clauses/<int:pk>/", views.clause_detail, name="clause_detail"),
    path(
        "<int:library_pk>/clauses/<int:pk>/versions/<int:number>/download/",
        views.clause_version_download,
        name="clause_version_download",
    ),
    path("<int:library_pk>/clauses/<int:pk>/edit/", views.clause_edit, name="clause_edit"),
    path("<int:library_pk>/clauses/<int:pk>/delete/", views.clause_delete, name="clause_delete"),
]
