"""The table of Django's database cache (``CACHE_URL=db://``, the default): sign-in limits and
other counters shared by every web process and kept across restarts. Created whatever
``CACHE_URL`` says today, so switching back from Redis needs nothing more."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

from claywork.core.env import CACHE_TABLE


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_worker_heartbeat"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
