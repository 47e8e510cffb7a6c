from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "salestrack.activities"
    label = "activities"
