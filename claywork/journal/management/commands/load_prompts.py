from typing import Any

from django.core.management.base import BaseCommand

from claywork.journal.library import sync_prompt_library
from claywork.journal.models import Prompt


class Command(BaseCommand):
    help = "Create or update Claywork's shipped reflection prompts (a clinic's own are kept)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = sync_prompt_library(Prompt)
        self.stdout.write(f"{count} prompts in the library are up to date.")
