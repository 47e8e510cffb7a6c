from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("salestrack.api.urls")),
    path("", include("salestrack.web.urls")),
]
