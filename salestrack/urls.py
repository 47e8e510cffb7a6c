from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("salestrack.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("salestrack.web.urls")),
]
