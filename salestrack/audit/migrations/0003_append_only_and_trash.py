"""The audit log refuses updates and deletes (AppendOnly), keeps its actor, and the trash.

`actor` no longer sets null when its user is deleted (that would rewrite the log), nor has a
database constraint: the id stays. PostgreSQL drops the constraint in place; SQLite rebuilds
the table (no search trigger is on it).

Reversing drops the trash, its deleted records with it, and sets to null the actors whose
users are gone, as SET_NULL would have, before the constraint comes back.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_missing_actors(apps, schema_editor):
    entries = apps.get_model("audit", "AuditEntry")._meta.db_table
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {entries} SET actor_id = NULL WHERE actor_id IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {users} u WHERE u.id = actor_id)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={"base_manager_name": "objects", "ordering": ["-at", "-id"]},
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # Runs before the constraint comes back when reversed.
        migrations.RunPython(migrations.RunPython.noop, forget_missing_actors, elidable=False),
        migrations.CreateModel(
            name="Deleted",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("model", models.CharField(max_length=40)),
                ("object_id", models.BigIntegerField()),
                ("name", models.CharField(max_length=200)),
                ("deleted_at", models.DateTimeField()),
                ("rows", models.JSONField(default=list)),
                ("unlinked", models.JSONField(blank=True, default=list)),
                (
                    "deleted_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "deleted record",
                "ordering": ["-deleted_at", "-id"],
                "indexes": [models.Index(fields=["deleted_at", "id"], name="deleted_at_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("model", "object_id"), name="deleted_once")
                ],
            },
        ),
    ]
