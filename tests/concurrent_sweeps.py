"""Two workers sweeping at once, as threads with their own database connections."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def sweep_twice_at_once(sweep: Callable[[], int], *, timeout: float = 120) -> list[int]:
    """Start ``sweep`` in two threads at the same instant; return what each sent. Any error in
    a thread is raised here."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    counts: list[int] = []

    def run() -> None:
        try:
            start.wait()
            counts.append(sweep())
        except BaseException as error:  # raised below, in the test's thread
            errors.append(error)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return counts
