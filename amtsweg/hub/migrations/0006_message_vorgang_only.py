"""Step 3 of 3 (issue 9): the message reads its number through its Vorgang; the hub no longer refers to
submissions."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0005_message_vorgang_add"),
        ("submissions", "0005_vorgang_backfill"),
    ]

    operations = [
        migrations.RemoveField(model_name="message", name="submission"),
        migrations.RemoveField(model_name="message", name="vorgangsnummer"),
        migrations.AlterField(
            model_name="message",
            name="vorgang",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hub_messages",
                to="cases.vorgang",
                verbose_name="Vorgang",
            ),
        ),
    ]
