from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "salestrack.leads"
    label = "leads"
