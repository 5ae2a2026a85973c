"""The deployment's default crisis resources: the United States set.

A deployment elsewhere edits these rows (or a clinic replaces them with its own list at
/clinic/crisis-resources/). Running this again adds nothing.
"""

from django.db import migrations

DEFAULTS = [
    {
        "name": "988 Suicide & Crisis Lifeline",
        "note": "Call or text. Free and confidential, in the US.",
        "phone": "988",
        "text_number": "988",
        "url": "https://988lifeline.org",
        "hours": "24/7",
    },
    {
        "name": "Crisis Text Line",
        "note": "Text with a trained crisis counselor, in the US.",
        "text_number": "741741",
        "text_keyword": "HOME",
        "url": "https://www.crisistextline.org",
        "hours": "24/7",
    },
    {
        "name": "Emergency services",
        "note": "If you or someone else is in immediate danger.",
        "phone": "911",
        "hours": "24/7",
    },
]


def add_defaults(apps, schema_editor):
    CrisisResource = apps.get_model("crisis", "CrisisResource")
    if CrisisResource.objects.filter(clinic__isnull=True).exists():
        return
    for position, fields in enumerate(DEFAULTS, start=1):
        CrisisResource.objects.create(clinic=None, position=position, **fields)


def remove_defaults(apps, schema_editor):
    CrisisResource = apps.get_model("crisis", "CrisisResource")
    names = [fields["name"] for fields in DEFAULTS]
    CrisisResource.objects.filter(clinic__isnull=True, name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("crisis", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
