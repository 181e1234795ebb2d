"""Serving a fake's ASGI app with uvicorn from a background thread, on a port of its own."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable

import uvicorn


class Background:
    """One uvicorn server in a daemon thread: :meth:`start` returns once it accepts
    connections, :meth:`stop` ends it."""

    def __init__(self, what: str) -> None:
        self.what = what  # for the error: "the fake partner server did not start"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, config: Callable[[int], uvicorn.Config], port: int = 0) -> int:
        """Bind 127.0.0.1:``port`` (0: any free port), serve ``config(port)``; the port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        bound = int(sock.getsockname()[1])
        server = self._server = uvicorn.Server(config(bound))
        thread = self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), name=self.what,
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"{self.what} did not start")
            time.sleep(0.01)
        return bound

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
