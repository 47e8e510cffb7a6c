"""History is append-only (AppendOnly) and outlives its deal: a deleted deal's rows stay.

`opportunity` no longer cascades, nor has a database constraint: deleting a deal (to the
trash, audit/trash.py) keeps its history, which a rebuild of the pipeline as of a past moment
reads. `changed_by` keeps its id if the user goes, as AuditEntry.actor does. PostgreSQL drops
the constraints in place; SQLite rebuilds the table, which carries no search trigger (the
search app's post_migrate repair checks them all after every migrate anyway).

Reversing first does what the old rules did at each deletion: it deletes the history of the
deals that are gone (the trash's deals included) and sets to null the users that are gone,
so that the constraints can come back.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_what_is_gone(apps, schema_editor):
    history = apps.get_model("deals", "OpportunityHistory")._meta.db_table
    deals = apps.get_model("deals", "Opportunity")._meta.db_table
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {history} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {deals} o WHERE o.id = opportunity_id)"
        )
        cursor.execute(
            f"UPDATE {history} SET changed_by_id = NULL WHERE changed_by_id IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {users} u WHERE u.id = changed_by_id)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("deals", "0010_visibility_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="opportunityhistory",
            options={"base_manager_name": "objects", "ordering": ["changed_at", "id"]},
        ),
        migrations.AlterField(
            model_name="opportunityhistory",
            name="changed_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="opportunityhistory",
            name="opportunity",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history",
                to="deals.opportunity",
            ),
        ),
        # Runs before the constraints come back when reversed.
        migrations.RunPython(migrations.RunPython.noop, forget_what_is_gone, elidable=False),
    ]
