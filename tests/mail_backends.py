"""E-mail backends for the alert delivery tests: one that is down, one that is slow."""

from __future__ import annotations

import os
import smtplib
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class DownBackend(BaseEmailBackend):
    """The mail server refuses every connection."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPConnectError(421, "mail.example.test is down for maintenance")


class SlowLocmemBackend(LocmemBackend):
    """Takes a moment per message, so two concurrent senders overlap."""

    lock = threading.Lock()

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        time.sleep(0.02)
        with self.lock:
            return super().send_messages(messages)


class SlowFileBackend(FileBackend):
    """For the ``kill -9`` test, in a real worker process: before writing, touch the file
    named by ``CLAYWORK_TEST_MAIL_MARKER`` and sleep ``CLAYWORK_TEST_MAIL_SECONDS``."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        marker = os.environ.get("CLAYWORK_TEST_MAIL_MARKER")
        if marker:
            Path(marker).touch()
        time.sleep(float(os.environ.get("CLAYWORK_TEST_MAIL_SECONDS", "0")))
        return super().send_messages(email_messages)


class StopDuringSendBackend(LocmemBackend):
    """The process is asked to stop (SIGTERM) while the first message is being sent."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        from claywork.core import outbox

        outbox.request_stop()
        return super().send_messages(messages)
