from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "claywork.care"
