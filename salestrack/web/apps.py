from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "salestrack.web"
    label = "web"
