"""Fill OpportunityState from the history of the deals there are (opportunities/states.py)."""

import datetime

from django.db import migrations

from salestrack.opportunities import states

FOREVER = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def forwards(apps, schema_editor):
    company = apps.get_model("company", "Company").objects.filter(pk=1).first()
    states.rebuild(
        apps.get_model("deals", "OpportunityState"),
        apps.get_model("deals", "OpportunityHistory"),
        apps.get_model("deals", "Opportunity"),
        apps.get_model("deals", "Stage"),
        forever=FOREVER,
        default_currency=company.currency if company else "USD",
    )


def backwards(apps, schema_editor):
    apps.get_model("deals", "OpportunityState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0017_opportunity_states"), ("company", "0002_company_row")]

    operations = [migrations.RunPython(forwards, backwards)]
