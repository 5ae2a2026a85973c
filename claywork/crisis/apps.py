from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "claywork.crisis"
