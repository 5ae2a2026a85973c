"""What the page cache's tests share: comparing pages without their per-request values, a
view with the cache off, and a write in another process through the database cache."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client, override_settings

from claywork.accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
DB_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "claywork_cache",
    }
}
_VARYING = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), "csrf"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "uuid"),
]
# A check-in on the patient's own today (in the first hours of a UTC day, New York's is the
# day before, and a check-in page would not show a check-in of "tomorrow").
CHECK_IN_WRITER = """
import sys, django
django.setup()
from zoneinfo import ZoneInfo
from django.utils import timezone
from claywork.accounts.models import User
from claywork.measures.models import CheckIn
patient = User.objects.get(pk=int(sys.argv[1]))
day = timezone.localdate(timezone=ZoneInfo(patient.timezone))
CheckIn.objects.create(patient=patient, day=day, mood=int(sys.argv[2]))
"""


def body(response: Any) -> str:
    """The page without what differs on every answer (CSRF token, submission keys)."""
    assert response.status_code == 200, response.status_code
    text = response.content.decode()
    for pattern, marker in _VARYING:
        text = pattern.sub(marker, text)
    return text


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def uncached(client: Client, url: str) -> str:
    with override_settings(CLAYWORK_PAGE_CACHE_SECONDS=0):
        return body(client.get(url))


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    return (
        f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def check_in_from_another_process(patient: User, mood: int) -> None:
    """A check-in written by another Python process sharing the database and its cache."""
    writer = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHECK_IN_WRITER, str(patient.pk), str(mood)],
        cwd=ROOT,
        env=os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "claywork.settings_test",
            "DATABASE_URL": _database_url(),
            "CACHE_URL": "db://claywork_cache",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert writer.returncode == 0, writer.stderr[-2000:]
