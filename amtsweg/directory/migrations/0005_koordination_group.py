"""The Django group "Zentrale Koordination" (directory.permissions.KOORDINATION_GROUP, ADR 0024).

Its active staff members act for every authority without being superusers. Model permissions for the
admin are given to the group by ``bootstrap`` (permissions exist only after all migrations ran).
"""

from django.db import migrations

GROUP = "Zentrale Koordination"


def group_create(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)


def group_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("directory", "0004_merge_membership_reference_version"),
    ]

    operations = [migrations.RunPython(group_create, group_delete)]
