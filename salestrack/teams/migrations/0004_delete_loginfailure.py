from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('teams', '0003_alter_apitoken_created_at_alter_team_created_at'),
    ]

    # Sign-in failures are counted by django-axes now (teams/throttle.py); the old counts,
    # at most 15 minutes' worth, are not carried over. Reversing recreates the empty table.
    operations = [
        migrations.DeleteModel(
            name='LoginFailure',
        ),
    ]
