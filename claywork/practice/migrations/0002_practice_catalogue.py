from django.db import migrations


def load_catalogue(apps, schema_editor):
    from claywork.practice.catalogue import sync_catalogue

    sync_catalogue(apps.get_model("practice", "Practice"))


class Migration(migrations.Migration):
    dependencies = [("practice", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
