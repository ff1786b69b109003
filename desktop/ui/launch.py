"""Start the Qt application; any start-up failure becomes a dialog, never a bare traceback."""

from __future__ import annotations

import gc
import logging
import sys
import time
import traceback
from typing import TYPE_CHECKING

from desktop.context import AppContext
from desktop.paths import AppPaths
from desktop.resources import icon_paths

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

    from desktop.ui.local_api import ApiFactory


LOG_MAX_BYTES = 2_000_000
LOG_BACKUPS = 3


def _setup_logging(ctx: AppContext, debug: bool) -> logging.FileHandler:
    # A plain file handler until the first paint: the rotating one's module (logging.handlers, with
    # socket, pickle and queue) cost the first frame ~15 ms. `_rotate_log` swaps it in after.
    handler = logging.FileHandler(ctx.paths.log_dir / "app.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    return handler


def _rotate_log(first: logging.FileHandler) -> None:
    """From now on app.log moves aside to app.log.1 (.2, .3) whenever it passes 2 MB."""
    import logging.handlers

    rotating = logging.handlers.RotatingFileHandler(first.baseFilename, maxBytes=LOG_MAX_BYTES,
                                                    backupCount=LOG_BACKUPS, encoding="utf-8")
    rotating.setFormatter(first.formatter)
    root = logging.getLogger()
    root.addHandler(rotating)  # added before the first goes: a line may be written twice, never lost
    root.removeHandler(first)
    first.close()


LISTEN_AT_LATEST_MS = 1000
# Title bars, taskbars and docks draw the window's icon at 256 px at most. The window system is
# handed every size as raw pixels when the window is shown (X11's _NET_WM_ICON): the 512 and
# 1024 px images (for the installers' .ico/.icns) added 5 MB and ~30 ms to the first frame.
WINDOW_ICON_MAX_PX = 256


def window_icon() -> QIcon:
    """The app's icon for its windows: the bundled PNGs up to WINDOW_ICON_MAX_PX."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for path in icon_paths(up_to=WINDOW_ICON_MAX_PX):
        icon.addFile(str(path))
    return icon


def _collect_garbage_again() -> None:
    # Start-up's objects live as long as the window: frozen, later collections skip them.
    gc.freeze()
    gc.enable()


def launch_window(debug: bool = False, api_factory: ApiFactory | None = None) -> int:
    started = time.perf_counter()
    # The cyclic garbage collector walked the growing heap ~85 times while the window was being
    # built (~20 ms of its first frame), finding next to nothing; it resumes after the first paint.
    gc.disable()
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.single_instance import Claim, SingleInstance, bring_forward

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("gpt-oss-desktop")
    app.setOrganizationName("gpt-oss-desktop")
    app.setDesktopFileName("gpt-oss-desktop")  # Wayland/X11 match the window to its .desktop entry
    app.setWindowIcon(window_icon())
    # Before anything reads or writes the data folder: a second launch only hands over.
    instance = SingleInstance(AppPaths.from_environment().data_dir)
    claim = instance.claim()
    if claim is Claim.FORWARDED:
        print("gpt-oss-desktop is already open on this data folder: its window was brought forward.",
              file=sys.stderr)
        return 0
    if claim is Claim.UNREACHABLE:
        message = QCoreApplication.translate(
            "launch", "gpt-oss-desktop is already open on this data folder but does not answer; "
                      "close it (or end its process) and start it again.")
        print(message, file=sys.stderr)
        from PySide6.QtWidgets import QMessageBox  # only when needed: its enums cost start-up ~5 ms

        QMessageBox.warning(None, "gpt-oss-desktop", message)
        return 1
    try:
        ctx = AppContext.load()
        log_file = _setup_logging(ctx, debug)
        from desktop.ui.i18n import install_translations

        install_translations(app, ctx.settings.appearance.language)  # before any widget has text
        from desktop.ui.first_paint import after_first_paint
        from desktop.ui.main_window import MainWindow
        from desktop.ui.settings_hub import SettingsHub

        window = MainWindow(SettingsHub(ctx), api_factory=api_factory)
        def come_forward() -> None:
            logging.getLogger(__name__).info("another launch on this data folder: window brought forward")
            bring_forward(window)

        instance.sig_raise_requested.connect(come_forward)
        def once_on_screen() -> None:
            instance.listen()
            _collect_garbage_again()
            _rotate_log(log_file)

        after_first_paint(window, once_on_screen)
        # Later launches are answered from the first paint on (they retry until then), or from a
        # second on for a window that is not painted (minimised); listen() runs once.
        QTimer.singleShot(LISTEN_AT_LATEST_MS, window, instance.listen)
        window.show()
        logging.getLogger(__name__).info("window shown after %.2f s", time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - the user gets a dialog, the log gets the traceback
        gc.enable()
        logging.getLogger(__name__).exception("start-up failed")
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, QCoreApplication.translate("launch", "gpt-oss-desktop could not start"),
                             f"{exc}\n\n{traceback.format_exc(limit=3)}")
        instance.release()
        return 1
    try:
        return app.exec()
    finally:
        instance.release()

