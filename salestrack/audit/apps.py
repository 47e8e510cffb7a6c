from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "salestrack.audit"
    label = "audit"
