"""The company's settings row, in US dollars as every deal was until now.

A deal already in another currency gets a rate of 1 for that currency from its earliest close
date, so that totals keep counting it as they did; an admin corrects it under Settings ›
Currencies (docs/web.md says so).
"""

from django.db import migrations
from django.db.models import Min


def forwards(apps, schema_editor):
    Company = apps.get_model("company", "Company")
    ExchangeRate = apps.get_model("company", "ExchangeRate")
    Opportunity = apps.get_model("deals", "Opportunity")
    Company.objects.get_or_create(pk=1, defaults={"currency": "USD"})
    others = (
        Opportunity.objects.exclude(currency="USD")
        .values("currency")
        .annotate(first=Min("close_date"))
        .order_by()
    )
    for row in others:
        ExchangeRate.objects.get_or_create(
            currency=row["currency"], valid_from=row["first"], defaults={"rate": 1}
        )


def backwards(apps, schema_editor):
    apps.get_model("company", "ExchangeRate").objects.all().delete()
    apps.get_model("company", "Company").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("company", "0001_initial"), ("deals", "0014_closing_sets_close_date")]

    operations = [migrations.RunPython(forwards, backwards)]
