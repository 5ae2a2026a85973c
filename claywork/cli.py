"""``claywork``: one command for operators, wrapping Django's manage.py.

``claywork serve``, ``claywork migrate``, ``claywork seed-demo``, ``claywork worker``,
``claywork rotate-keys`` and every other Django command; dashes and underscores both work.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claywork.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "claywork"
    if args[1:2] == ["themes"] and "--file" in " ".join(args[2:]):
        # A corpus file needs no database: answered without setting Django up.
        from claywork.themes.report import run_without_django

        if run_without_django(args[2:]):
            return
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
