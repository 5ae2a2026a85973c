from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "claywork.ops"
    verbose_name = "Operations"
