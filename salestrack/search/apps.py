from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "salestrack.search"
    label = "search"
