from django.urls import path

from salestrack.teams import views

urlpatterns = [
    path("settings/", views.settings_home, name="settings"),
    path("settings/users/", views.settings_users, name="settings-users"),
    path("settings/users/new/", views.user_new, name="settings-user-new"),
    path("settings/users/<int:pk>/edit/", views.user_edit, name="settings-user-edit"),
    path(
        "settings/users/<int:pk>/deactivate/",
        views.user_deactivate,
        name="settings-user-deactivate",
    ),
    path(
        "settings/users/<int:pk>/reactivate/",
        views.user_reactivate,
        name="settings-user-reactivate",
    ),
    path("settings/teams/", views.team_list, name="settings-teams"),
    path("settings/teams/new/", views.team_new, name="settings-team-new"),
    path("settings/teams/<int:pk>/edit/", views.team_edit, name="settings-team-edit"),
    path("settings/teams/<int:pk>/delete/", views.team_delete, name="settings-team-delete"),
    path("settings/pipelines/", views.pipeline_list, name="settings-pipelines"),
    path("settings/pipelines/new/", views.pipeline_new, name="settings-pipeline-new"),
    path("settings/pipelines/<int:pk>/stages/new/", views.stage_new, name="settings-stage-new"),
    path("settings/stages/<int:pk>/edit/", views.stage_edit, name="settings-stage-edit"),
    path("settings/stages/<int:pk>/move/", views.stage_move, name="settings-stage-move"),
    path("settings/stages/<int:pk>/delete/", views.stage_delete, name="settings-stage-delete"),
]
