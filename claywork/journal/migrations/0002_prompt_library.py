from django.db import migrations


def load_library(apps, schema_editor):
    from claywork.journal.library import sync_prompt_library

    sync_prompt_library(apps.get_model("journal", "Prompt"))


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]

    operations = [migrations.RunPython(load_library, migrations.RunPython.noop)]
