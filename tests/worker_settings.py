"""Settings for a real Claywork process started by tests/test_alert_delivery.py: the
production settings (from the environment the test sets), with a mail backend it can stall."""

from claywork.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.mail_backends.SlowFileBackend"
