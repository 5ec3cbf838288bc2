from django.urls import path

from . import acceptance_views, execution_views, views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/<int:tender_pk>/", views.contract_create, name="contract_create"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/acceptance/", acceptance_views.acceptance_page, name="acceptance"),
    path("<int:pk>/decp.json", views.contract_decp_download, name="contract_decp_download"),
    path("<int:pk>/decp.xml", views.contract_decp_xml_download, name="contract_decp_xml_download"),
    path("<int:pk>/requests/", execution_views.contract_requests, name="contract_requests"),
    path("<int:pk>/availability/", execution_views.contract_availability, name="contract_availability"),
    path("<int:pk>/penalties/", execution_views.contract_penalties, name="contract_penalties"),
    path("tender/<int:tender_pk>/ocds.json", views.tender_ocds_download, name="tender_ocds_download"),
]
