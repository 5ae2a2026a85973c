from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "claywork.audit"
