from django.urls import path

from salestrack.teams import views

urlpatterns = [
    path("settings/", views.settings_home, name="settings"),
    path("settings/users/", views.settings_users, name="settings-users"),
]
