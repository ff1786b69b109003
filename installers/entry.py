"""Entry point of the frozen app: the last resort turns any start-up failure into a dialog.

`desktop.ui.launch` already shows a dialog for errors once Qt is up; this catches what happens
before that (a missing shared library, a broken bundle), where a double-clicked app would
otherwise vanish without a word. The traceback also goes to startup-error.log in the log folder.
"""

import multiprocessing
import os
import subprocess
import sys
import traceback

TITLE = "gpt-oss-desktop could not start"


def _write_log(message: str) -> str:
    try:
        from desktop.paths import AppPaths

        log_dir = AppPaths.from_environment().log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / "startup-error.log"
        path.write_text(message, encoding="utf-8")
        return str(path)
    except Exception:  # noqa: BLE001 - nowhere to write: the dialog still shows the message
        return ""


def _native_dialog(message: str) -> bool:
    """For when Qt itself cannot load: the OS's own message box."""
    try:
        if sys.platform == "win32":
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, message, TITLE, 0x10)  # MB_ICONERROR
            return True
        if sys.platform == "darwin":
            script = 'display alert (item 1 of argv) message (item 2 of argv) as critical'
            subprocess.run(["osascript", "-e", f"on run argv\n{script}\nend run", TITLE, message], check=True)
            return True
        for command in (["zenity", "--error", "--no-markup", f"--title={TITLE}", f"--text={message}"],
                        ["kdialog", "--title", TITLE, "--error", message]):
            try:
                subprocess.run(command, check=True)
                return True
            except (OSError, subprocess.CalledProcessError):
                continue
    except Exception:  # noqa: BLE001, S110 - fall through to stderr
        pass
    return False


def _show_fatal(message: str) -> None:
    print(message, file=sys.stderr)
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 - needed for the dialog
        QMessageBox.critical(None, TITLE, message)
    except Exception:  # noqa: BLE001 - Qt itself is broken
        _native_dialog(message)


def _opens_window(args: list[str]) -> bool:
    return not args or args == ["--debug"]  # as desktop.app.main decides


def main() -> int:
    # No console when double-clicked on Windows: libraries that write progress to stderr must not fail.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    multiprocessing.freeze_support()  # a library's worker process must not start a second app
    try:
        from desktop.app import main as app_main

        return app_main()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception:  # noqa: BLE001 - the last resort
        details = traceback.format_exc(limit=8)
        if not _opens_window(sys.argv[1:]):
            print(details, file=sys.stderr)  # a command typed in a terminal: that is where it belongs
            return 1
        where = _write_log(details)
        _show_fatal(f"{details}\nThe details were saved to {where}" if where else details)
        return 1


if __name__ == "__main__":
    sys.exit(main())
