"""``claywork``: one command for operators, wrapping Django's manage.py.

``claywork serve``, ``claywork migrate``, ``claywork seed-demo``, ``claywork worker``,
``claywork rotate-keys`` and every other Django command; dashes and underscores both work.
"""

from __future__ import annotations

import os
import sys

from claywork.core import env

# Commands that read no database and sign nothing, so they run before a deployment has its
# secrets: a clinic auditing the screener or the effect rules on its own cases, an operator
# generating the keys to set.
_OFFLINE_COMMANDS = frozenset(
    {"screen", "score", "new_field_key", "new_vapid_keys", "new_audit_keys"}
)
# ... and these when they read a file instead of the database.
_OFFLINE_WITH_FILE = frozenset({"effect", "patterns", "themes"})


def _is_offline(args: list[str]) -> bool:
    command = args[1] if len(args) > 1 else ""
    if command in _OFFLINE_COMMANDS:
        return True
    return command in _OFFLINE_WITH_FILE and any(
        arg == "--file" or arg.startswith("--file=") for arg in args[2:]
    )


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "claywork"
    env.offline_tool = _is_offline(args)
    if args[1:2] == ["themes"] and "--file" in " ".join(args[2:]):
        # A corpus file needs no database: answered without setting Django up.
        from claywork.themes.report import run_without_django

        if run_without_django(args[2:]):
            return
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(args)
    except env.ConfigurationError as error:
        # A deployment set something wrongly: one line that names it, not a traceback.
        sys.stderr.write(f"claywork: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
