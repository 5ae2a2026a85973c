from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "claywork.journal"
