from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "salestrack.bench"
    label = "bench"
