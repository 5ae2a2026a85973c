from django.apps import AppConfig
from django.core import checks


class MeasuresConfig(AppConfig):
    name = "claywork.measures"

    def ready(self) -> None:
        from claywork.measures.instruments import check_definitions

        checks.register(check_definitions)
