from typing import Any

from django.core.management.base import BaseCommand

from claywork.core.demo import DEMO_PASSWORD, seed_demo_clinic


class Command(BaseCommand):
    help = "Create the demonstration clinic (safe to run again) and print its logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = seed_demo_clinic()
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.role:<15} {login.name:<18} {login.email}")
        self.stdout.write("")
