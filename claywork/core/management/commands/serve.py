from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported here, after collectstatic: WhiteNoise indexes the static files at start-up.
        from claywork.wsgi import application

        return application


def control_socket_path(host: str, port: int) -> Path:
    """Each instance's own gunicorn control socket, under the var directory. Gunicorn's default
    (~/.gunicorn/gunicorn.ctl) is one file for every instance of the user, so stopping one
    instance removed another's."""
    safe_host = "".join(ch if ch.isalnum() else "-" for ch in host)
    return Path(settings.VAR_DIR) / "run" / f"gunicorn-{safe_host}-{port}.ctl"


def port_answers(host: str, port: int) -> bool:
    """Whether something already accepts connections on ``host:port``. With ``reuse_port``
    the kernel lets a second server of the same user bind a port in use and share its
    connections, so an old instance left running would silently answer half the requests."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = "Serve Claywork with gunicorn (static files by WhiteNoise, no CDN)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        if port_answers(options["host"], options["port"]):
            raise CommandError(
                f"Something already answers on {options['host']}:{options['port']} (another "
                "Claywork?). Stop it first, or choose another --port."
            )
        call_command("collectstatic", interactive=False, verbosity=0)
        control_socket = control_socket_path(options["host"], options["port"])
        control_socket.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Claywork is serving on http://{options['host']}:{options['port']}/")
        _Gunicorn(
            {
                "bind": f"{options['host']}:{options['port']}",
                "workers": options["workers"],
                "threads": options["threads"],
                "accesslog": "-",
                "timeout": 60,
                "control_socket": str(control_socket),
                # Gunicorn's 4,094-byte request line turns a long search into a bare 414; the
                # forms answer an over-long field with a clear message instead. Still bounded.
                "limit_request_line": 16384,
                # Each worker its own listening socket (SO_REUSEPORT): the kernel spreads new
                # connections over the workers. On one shared socket one worker took ~99% of 20
                # keep-alive connections while the other idled (decision 0017, stop 26).
                "reuse_port": True,
            }
        ).run()
