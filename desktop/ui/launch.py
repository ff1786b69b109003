"""Start the Qt application; any start-up failure becomes a dialog, never a bare traceback."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
import traceback

from desktop.context import AppContext


def _setup_logging(ctx: AppContext, debug: bool) -> None:
    handler = logging.handlers.RotatingFileHandler(ctx.paths.log_dir / "app.log", maxBytes=2_000_000,
                                                   backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)


def launch_window(debug: bool = False) -> int:
    started = time.perf_counter()
    from PySide6.QtWidgets import QApplication, QMessageBox

    from PySide6.QtGui import QIcon

    from desktop.resources import icon_paths

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("gpt-oss-desktop")
    app.setOrganizationName("gpt-oss-desktop")
    app.setDesktopFileName("gpt-oss-desktop")  # Wayland/X11 match the window to its .desktop entry
    icon = QIcon()
    for path in icon_paths():
        icon.addFile(str(path))
    app.setWindowIcon(icon)
    try:
        ctx = AppContext.load()
        _setup_logging(ctx, debug)
        from desktop.ui.main_window import MainWindow
        from desktop.ui.settings_hub import SettingsHub

        window = MainWindow(SettingsHub(ctx))
        window.show()
        logging.getLogger(__name__).info("window shown after %.2f s", time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - the user gets a dialog, the log gets the traceback
        logging.getLogger(__name__).exception("start-up failed")
        QMessageBox.critical(None, "gpt-oss-desktop could not start",
                             f"{exc}\n\n{traceback.format_exc(limit=3)}")
        return 1
    return app.exec()
