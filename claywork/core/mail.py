"""Sending mail with a bound on the whole message, not only on each socket operation.

Django's SMTP backend passes ``EMAIL_TIMEOUT`` to the socket, which bounds each read and write:
a mail server that accepts the connection and never answers fails after that long. A server
that answers one line just before each timeout could still hold a send (and so an outbox claim)
for many times as long; ``SMTPBackend`` cuts the connection once a message has taken
``send_bound_seconds()`` in all, and the send fails and is retried like any other failure.
``EMAIL_URL=smtp://...`` uses it (``settings.py``).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp

logger = logging.getLogger(__name__)

T = TypeVar("T")


def send_bound_seconds() -> float:
    """The longest one message may take: three socket timeouts (connect and greeting, the
    envelope, the data)."""
    return 3 * float(settings.EMAIL_TIMEOUT or 20)


class SMTPBackend(smtp.EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        return self._bounded(lambda: super(SMTPBackend, self).send_messages(email_messages))

    def _bounded(self, work: Callable[[], T]) -> T:
        timer = threading.Timer(send_bound_seconds(), self._cut)
        timer.daemon = True
        timer.start()
        try:
            return work()
        finally:
            timer.cancel()

    def _cut(self) -> None:
        """Runs in the timer's thread: shutting the socket down wakes the blocked read."""
        sock = getattr(self.connection, "sock", None)
        if sock is None:
            return
        logger.warning("mail server too slow: cut after %s s", send_bound_seconds())
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)
