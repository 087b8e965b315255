"""Long work done while its page is being sent, so that no gateway waits in silence.

A proxy gives up on a response when nothing arrives for its read timeout (nginx's
``proxy_read_timeout``, 60 s by default), however long the whole response may take. Work that
can take longer than that (opening every answer of a very large inspection) runs in a
``Background`` thread while the streamed page iterates it: every ``HEARTBEAT_SECONDS`` it
yields the seconds gone so far, the template writes a line saying it is still working, and
those bytes keep the connection alive. When the work is done its ``result`` is set (or
``failed``), and the page goes on with it.

The thread has an app context of its own, so its own database session: the work must take
ids and plain values, never objects of the request's session. Whatever it makes lives in this
object only, which goes when the response does; nothing is stored to be fetched later. If the
browser goes away the response stops, and the thread finishes its work and drops it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from flask import current_app

#: How often a waiting page is sent a line: well inside any proxy's read timeout.
HEARTBEAT_SECONDS = 2.0

T = TypeVar("T")


class Background(Generic[T]):
    """``work()`` in a thread of its own while the caller iterates: see the module docstring.

    Iterating yields whole seconds elapsed, one every ``heartbeat`` seconds while the work
    runs, and returns when it is done. Afterwards ``result`` holds what it returned and
    ``seconds`` how long it took; if it raised, ``failed`` is true and the error's type (never
    its message, which could quote an answer) is logged.
    """

    def __init__(self, work: Callable[[], T], heartbeat: float | None = None):
        self.work = work
        self.heartbeat = HEARTBEAT_SECONDS if heartbeat is None else heartbeat
        self.result: T | None = None
        self.failed = False
        self.seconds = 0

    def __iter__(self) -> Iterator[int]:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        done = threading.Event()

        def run() -> None:
            try:
                with app.app_context():
                    self.result = self.work()
            except Exception as error:  # noqa: BLE001 - whatever broke, the page says so
                app.logger.error("long work failed (%s)", type(error).__name__)
                self.failed = True
            finally:
                done.set()

        started = time.monotonic()
        threading.Thread(target=run, name="long-work", daemon=True).start()
        while not done.wait(self.heartbeat):
            yield int(time.monotonic() - started)
        self.seconds = int(time.monotonic() - started)
