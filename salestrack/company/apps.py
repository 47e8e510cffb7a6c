from django.apps import AppConfig


class CompanyConfig(AppConfig):
    name = "salestrack.company"
    default_auto_field = "django.db.models.BigAutoField"
