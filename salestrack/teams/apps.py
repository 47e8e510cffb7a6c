from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "salestrack.teams"
    label = "teams"
