from rest_framework.routers import SimpleRouter

from .views import ClauseViewSet, LibraryViewSet

router = SimpleRouter()
router.register("libraries", LibraryViewSet, basename="library")
router.register("clauses", ClauseViewSet, basename="clause")
urlpatterns = router.urls
