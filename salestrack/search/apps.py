from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "salestrack.search"
    label = "search"

    def ready(self):
        post_migrate.connect(repair_indexes, sender=self)


def repair_indexes(sender, using="default", **kwargs):
    # Another app's migration may have rebuilt a SQLite table, which drops its triggers.
    from salestrack.search import schema

    schema.repair(connections[using])
