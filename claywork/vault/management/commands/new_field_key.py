from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from claywork.vault.crypto import new_key_spec


class Command(BaseCommand):
    help = "Print a new key-encryption key entry (ID:BASE64) for CLAYWORK_FIELD_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--id", default="k1", help="Letters and digits naming the key.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["id"].isalnum():
            self.stderr.write("The key id must be letters and digits only.")
            raise SystemExit(2)
        self.stdout.write(new_key_spec(options["id"]))
