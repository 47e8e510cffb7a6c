from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "salestrack.deals"
    label = "deals"
