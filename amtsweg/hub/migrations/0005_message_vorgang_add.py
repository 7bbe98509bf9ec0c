"""Step 1 of 3 (issue 9): hub messages get a nullable reference to their Vorgang (filled by
submissions 0005; the number column and the submission reference go in 0006). The number column becomes
nullable only so that the way back (reverse) can refill it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("hub", "0004_message_receipt_handover"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="vorgang",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hub_messages",
                to="cases.vorgang",
                verbose_name="Vorgang",
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="vorgangsnummer",
            field=models.CharField(db_index=True, max_length=40, null=True, verbose_name="Vorgangsnummer"),
        ),
    ]
