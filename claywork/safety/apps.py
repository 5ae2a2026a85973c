from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "claywork.safety"

    def ready(self) -> None:
        # The crisis screen's model loads once per process, at start-up (web and worker),
        # never inside a request; if it cannot, this logs an error and the rules screen alone.
        from claywork.safety import semantic

        semantic.load()
