from datetime import datetime

from django.apps import AppConfig


def _send_message_notices(now: datetime) -> int:
    from claywork.messaging.delivery import notices_send_due

    return notices_send_due(now=now)


class MessagingConfig(AppConfig):
    name = "claywork.messaging"

    def ready(self) -> None:
        from claywork.core.housekeeping import housekeeping_register

        # "You have a new message" e-mails are sent by the worker's sweep (delivery.py).
        housekeeping_register("messaging.send_notices", _send_message_notices)
