from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "salestrack.opportunities"
    label = "deals"  # the tables' prefix since the first migration; renaming it would move them
