from django.db import migrations

# PRODUCT.md section 2: the default pipeline.
STAGES = [
    # name, probability, forecast category, rotting days, won, lost
    ("Prospecting", 10, "pipeline", 30, False, False),
    ("Qualification", 20, "pipeline", 21, False, False),
    ("Needs analysis", 40, "pipeline", 21, False, False),
    ("Proposal", 60, "best_case", 14, False, False),
    ("Negotiation", 80, "commit", 14, False, False),
    ("Closed won", 100, "closed", None, True, False),
    ("Closed lost", 0, "omitted", None, False, True),
]


def create(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    pipeline = Pipeline.objects.create(name="Sales", is_default=True)
    for position, (name, prob, category, rotting, won, lost) in enumerate(STAGES, start=1):
        Stage.objects.create(
            pipeline=pipeline, name=name, position=position, probability=prob,
            forecast_category=category, rotting_days=rotting, is_won=won, is_lost=lost,
        )


def remove(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Pipeline.objects.filter(name="Sales", is_default=True, stages__opportunities=None).delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0002_initial")]
    operations = [migrations.RunPython(create, remove)]
