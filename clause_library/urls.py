from django.urls import path

from . import views

app_name = "clause_library"
urlpatterns = [
    path("", views.library_list, name="library_list"),
]
