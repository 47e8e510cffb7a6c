from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "salestrack.ops"
    label = "ops"
