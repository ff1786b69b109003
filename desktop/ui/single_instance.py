"""One window per data folder: a second launch brings the open window forward and exits.

Two parts, each doing what it is good at:
- The claim is an OS file lock (`core.instance_lock`) rather than QLockFile: the kernel releases it when the window's process ends, even by `kill -9`, so a
  crashed window never blocks the next launch, and the CLI (which has no Qt) can probe the same
  lock to say "the library is in use by the open window". QLockFile writes a PID file and
  guesses staleness from PIDs and ages, which a reused PID or a clock change can fool.
- The message is a QLocalServer (a Unix socket / Windows named pipe) named after the data
  folder: the second launch sends "raise" and waits for "ok". It is only listened on while the
  lock is held, so a socket file left by a killed window is removed safely before listening.
  The window listens once it has painted its first frame (`listen()`): QtNetwork's import cost
  the first frame ~50 ms, and a launch arriving meanwhile waits, as it does for any window that
  is still starting.

Two windows on two different data folders have two locks and two names: they run side by side.
"""

from __future__ import annotations

import logging
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core.instance_lock import InstanceLock, instance_key

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

RAISE = b"raise\n"
ACK = b"ok\n"
CLAIM_WAIT_S = 15.0  # a window that is starting holds the lock a moment before it listens
CONNECT_MS = 1000
REPLY_MS = 10_000  # the running window answers from its event loop, which start-up may delay

log = logging.getLogger(__name__)


class Claim(Enum):
    OWNER = "owner"  # this process runs the window for the folder
    FORWARDED = "forwarded"  # another process runs it and was asked to come forward
    UNREACHABLE = "unreachable"  # another process holds the folder and does not answer


def server_name(data_dir: Path) -> str:
    return f"gpt-oss-desktop-{instance_key(data_dir)}"


class SingleInstance(QObject):
    """The window's claim on its data folder. `sig_raise_requested` fires for each later launch
    once the owner calls `listen()`."""

    sig_raise_requested = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._lock = InstanceLock(data_dir)
        self._server: QLocalServer | None = None

    def claim(self, wait_s: float = CLAIM_WAIT_S) -> Claim:
        """Become the folder's window, or ask the one that is to come forward."""
        deadline = time.monotonic() + wait_s
        while True:
            if self._lock.acquire(timeout_s=0.0):
                return Claim.OWNER
            if ask_to_raise(self.name):
                return Claim.FORWARDED
            if time.monotonic() >= deadline:
                return Claim.UNREACHABLE
            # Held by a window still starting (not listening yet), or by a CLI probe for a moment.
            if self._lock.acquire(timeout_s=0.25):
                return Claim.OWNER

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.release()

    def listen(self) -> None:
        """Answer later launches; only the owner listens (the lock makes the name ours)."""
        if self._server is not None or not self._lock.held:
            return
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self)
        # Only this user may connect (the socket file's mode on Unix, the pipe's ACL on Windows).
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(self.name)  # left by a killed window: ours now that we hold the lock
        if not server.listen(self.name):
            # The window still runs; a later launch then says it cannot reach it.
            log.warning("cannot listen on %s: %s", self.name, server.errorString())
            return
        server.newConnection.connect(self._accept)
        self._server = server

    def _accept(self) -> None:
        while self._server is not None and (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        if line == RAISE:
            self.sig_raise_requested.emit()
            socket.write(ACK)
            socket.flush()
        socket.disconnectFromServer()


def ask_to_raise(name: str) -> bool:
    """Ask the window listening on `name` to come forward; True once it said it did."""
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(RAISE)
    socket.waitForBytesWritten(CONNECT_MS)
    answer = b""
    deadline = time.monotonic() + REPLY_MS / 1000
    while not answer.endswith(b"\n") and time.monotonic() < deadline:
        if not socket.bytesAvailable() and not socket.waitForReadyRead(250):
            if socket.state() != QLocalSocket.LocalSocketState.ConnectedState:
                break
            continue
        answer += bytes(socket.readAll().data())
    socket.abort()
    return answer == ACK


def bring_forward(window: QWidget) -> None:
    """Show the window un-minimised, on top and focused (as far as the window manager allows)."""
    window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()
    # Some window managers refuse focus to a program the user did not click: the taskbar flashes.
    QApplication.alert(window)
