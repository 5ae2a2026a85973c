from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "claywork.core"

    def ready(self) -> None:
        from claywork.core import page_cache

        page_cache.connect()
