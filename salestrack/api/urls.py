from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from salestrack.api import money, views
from salestrack.api.forecast import ForecastCallView, ForecastView
from salestrack.api.quotas import QuotaViewSet

router = SimpleRouter(trailing_slash=False)
router.register("leads", views.LeadViewSet, basename="lead")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("pipelines", views.PipelineViewSet, basename="pipeline")
router.register("lost-reasons", views.LostReasonViewSet, basename="lostreason")
router.register("users", views.UserViewSet, basename="user")
router.register("teams", views.TeamViewSet, basename="team")
router.register("deleted", views.DeletedViewSet, basename="deleted")
router.register("quotas", QuotaViewSet, basename="quota")
router.register("exchange-rates", money.ExchangeRateViewSet, basename="exchangerate")

urlpatterns = [
    path("ping", views.ping, name="api-ping"),
    path("company", money.CompanyView.as_view(), name="api-company"),
    path("forecast", ForecastView.as_view(), name="api-forecast"),
    path("forecast/calls", ForecastCallView.as_view(), name="api-forecast-calls"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
    # Last: what no route above takes (a malformed id, a typo) answers JSON too.
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found),
]
