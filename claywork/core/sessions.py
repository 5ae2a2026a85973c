"""The session store: Django's database sessions, each request's row read as its data alone.

Django's ``db`` backend loads the whole ``Session`` model instance to read one column; this
reads the encoded data in one query of the same conditions (this key, not expired), so an
expired or deleted session is as empty here as there. Set by ``SESSION_ENGINE``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        try:
            rows = list(
                self.model.objects.filter(
                    session_key=self.session_key, expire_date__gt=timezone.now()
                ).values_list("session_data", flat=True)[:1]
            )
        except SuspiciousOperation as error:
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            rows = []
        if not rows:
            self._session_key = None
            return {}
        return self.decode(rows[0])  # type: ignore[no-any-return]
