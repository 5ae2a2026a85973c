from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "claywork.vault"
    verbose_name = "Field encryption"
