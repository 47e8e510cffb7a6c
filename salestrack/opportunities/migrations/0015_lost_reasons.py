"""Lost reasons become a list (LostReason): the schema. 0016 fills it from the free text.

The free-text column is renamed, not dropped: it becomes the reason's detail, and 0016 moves
its text into the list. A rename keeps SQLite from rebuilding the deals table (and with it the
search triggers); the new reference is nullable, which SQLite adds in place.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deals", "0014_closing_sets_close_date")]

    operations = [
        migrations.CreateModel(
            name="LostReason",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("position", models.PositiveIntegerField()),
                ("is_active", models.BooleanField(default=True)),
                ("needs_detail", models.BooleanField(default=False)),
            ],
            options={
                "ordering": ["position", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"),
                        name="lost_reason_unique_name",
                    )
                ],
            },
        ),
        migrations.RenameField(
            model_name="opportunity", old_name="lost_reason", new_name="lost_reason_detail"
        ),
        migrations.AddField(
            model_name="opportunity",
            name="lost_reason",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deals.lostreason",
            ),
        ),
    ]
