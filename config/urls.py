from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from organizations.health import healthz
from organizations.views import admin_login, api_docs

api_v1 = [
    path("", include("organizations.api.urls")),
    path("", include("clause_library.api.urls")),
    path("", include("tenders.api.urls")),
    path("", include("scoring.api.urls")),
    path("", include("conformance.api.urls")),
    path("", include("contracts.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    # The schema and its docs: public with DEBUG on, for signed-in people only in production (I5).
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own URLs: its sign-in goes through the app's per-address throttle (F7).
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", include("organizations.urls")),
    # Organisations run themselves (issue 16): members, invitations, member hospitals, audit list.
    path("organizations/", include("organizations.page_urls")),
    path("libraries/", include("clause_library.urls")),
    path("tenders/", include("tenders.urls")),
    path("evaluation/", include("scoring.urls")),
    path("contracts/", include("contracts.urls")),
]
# No media route, in any mode: generated documents are private and leave only through the
# authorising download view (documents.services.document_download_response), issue 18 finding 2.
