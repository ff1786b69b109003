"""Entry point of the frozen app: the last resort turns any start-up failure into a dialog.

`desktop.ui.launch` already shows a dialog for errors once Qt is up; this catches what happens
before that (a missing shared library, a broken bundle), where a double-clicked app would
otherwise vanish without a word.
"""

import sys
import traceback


def _show_fatal(message: str) -> None:
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 - needed for the dialog
        QMessageBox.critical(None, "gpt-oss-desktop could not start", message)
    except Exception:  # noqa: BLE001 - Qt itself is broken: stderr is all that is left
        print(message, file=sys.stderr)


def main() -> int:
    try:
        from desktop.app import main as app_main

        return app_main()
    except SystemExit as exc:
        return int(exc.code or 0)
    except BaseException:  # noqa: BLE001
        _show_fatal(traceback.format_exc(limit=6))
        return 1


if __name__ == "__main__":
    sys.exit(main())
