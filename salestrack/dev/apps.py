from django.apps import AppConfig


class DevConfig(AppConfig):
    name = "salestrack.dev"
    label = "dev"
