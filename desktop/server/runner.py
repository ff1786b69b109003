"""ApiServer: uvicorn serving the app on its own thread, started and stopped from any thread."""

from __future__ import annotations

import errno
import logging
import socket
import sys
import threading
import time

import uvicorn

from desktop.server.app import build_app
from desktop.server.state import ServerConfig, ServerState

log = logging.getLogger(__name__)


class ApiServer:
    def __init__(self, state: ServerState, config: ServerConfig) -> None:
        config.check()
        self.state = state
        self.config = config
        self._server = uvicorn.Server(uvicorn.Config(
            build_app(state, config), host=config.host, port=config.port, log_level="warning",
            access_log=False, lifespan="off", timeout_graceful_shutdown=5))
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.port}/v1"

    def start(self, timeout: float = 30.0) -> str:
        """Listen; returns the base URL (with the real port when the config asked for port 0).

        Raises OSError with one line when the address cannot be bound (port in use, no such host)."""
        listening = self._bind()  # here, so that a refusal is this thread's one-line error
        self.port = listening.getsockname()[1]
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [listening]},
                                        name="api-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"The API server did not start on {self.config.host}:{self.port}.")
            time.sleep(0.01)
        return self.base_url

    def _bind(self) -> socket.socket:
        host, port = self.config.host, self.config.port
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
            listening = socket.socket(family, kind, proto)
        except OSError as exc:
            raise OSError(f"Could not listen on {host}:{port}: {exc.strerror or exc}.") from None
        try:
            if sys.platform == "win32":  # there SO_REUSEADDR would let two servers share the port
                listening.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
            else:  # a restart right after a stop binds at once despite connections in TIME_WAIT
                listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind(address)
        except OSError as exc:
            listening.close()
            reason = "the port is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            refused = OSError(f"Could not listen on {host}:{port}: {reason}.")
            refused.errno = exc.errno  # the window words its own sentence for a port in use
            raise refused from None
        return listening

    def stop_listening(self) -> None:
        """Take no new requests; the open ones go on (cancel them on the engine to end them)."""
        self._server.should_exit = True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop listening and wait for the open requests to end."""
        self.stop_listening()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)
