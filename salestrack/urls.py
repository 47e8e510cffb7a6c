from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("salestrack.api.urls")),
    path("", include("salestrack.leads.urls")),
    path("", include("salestrack.accounts.urls")),
    path("", include("salestrack.deals.urls")),
    path("", include("salestrack.activities.urls")),
    path("", include("salestrack.teams.urls")),
    path("", include("salestrack.web.urls")),
]
