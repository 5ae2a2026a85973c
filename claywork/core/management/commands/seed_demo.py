from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claywork.core.demo import DEMO_PASSWORD, seed_demo_clinic


class Command(BaseCommand):
    help = "Create the demonstration clinic (safe to run again) and print its logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CLAYWORK_DEMO:
            # The demo's staff share a published password: never in a real deployment.
            raise CommandError(
                "seed-demo runs only in demo mode (CLAYWORK_DEMO=1): its logins share a public "
                "password. Use `claywork create-clinic` for a real clinic."
            )
        logins = seed_demo_clinic()
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.role:<15} {login.name:<18} {login.email}")
        self.stdout.write("")
