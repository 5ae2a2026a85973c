"""``claywork screen``: the crisis-language detector on stdin, one JSON verdict per line.

    printf 'I want to die\\nthis traffic is killing me\\n' | claywork screen
    {"flag": true, "reason": "suicidal ideation, first person, present", "matched": "want to die"}
    {"flag": false, "reason": "no crisis language", "matched": ""}

The same ``screen_text`` the app runs when an entry, check-in note or intention is saved, so a
clinic can audit it on its own examples. Line N of the output answers line N of the input,
blank lines included. Nothing is stored or logged.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand

from claywork.safety.screening import screen_text


class Command(BaseCommand):
    help = (
        "Screen text for crisis language: read stdin, one item per line, and write one JSON "
        'object per line: {"flag": true|false, "reason": "...", "matched": "..."}.'
    )
    # A filter over text: it reads no settings that need checking and never the database.
    requires_system_checks: list[str] = []  # type: ignore[assignment]

    def handle(self, *args: Any, **options: Any) -> None:
        for line in _lines(sys.stdin):
            result = screen_text(line.rstrip("\r\n"))
            verdict = {"flag": result.flag, "reason": result.reason, "matched": result.matched}
            self.stdout.write(json.dumps(verdict))
            self.stdout.flush()


def _lines(stdin: Any) -> Iterable[str]:
    """Lines of stdin; bytes that are not UTF-8 are replaced, never a reason to stop."""
    binary = getattr(stdin, "buffer", None)
    if binary is None:  # already text (a test's StringIO)
        return iter(stdin)
    return io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
