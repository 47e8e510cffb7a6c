from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "salestrack.api"
    label = "api"
