"""The main window: Chat, Library and Settings panes in tabs, with keyboard shortcuts."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from desktop import __version__
from desktop.core.chat import load_options_from_settings
from desktop.ui.chat_pane import ChatPane
from desktop.ui.llm_worker import ChatEngine
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.settings_pane import SettingsPane

GEOMETRY_FILE = "window-geometry.bin"


def _placeholder(text: str) -> QWidget:
    widget = QWidget()
    layout = QVBoxLayout(widget)
    label = QLabel(text)
    label.setWordWrap(True)
    layout.addWidget(label)
    layout.addStretch(1)
    return widget


class MainWindow(QMainWindow):
    def __init__(self, hub: SettingsHub) -> None:
        super().__init__()
        self.hub = hub
        self.setWindowTitle("gpt-oss-desktop")
        self.engine = ChatEngine(self)
        self.chat = ChatPane(hub, self.engine)
        self.library = self._library_pane()
        self.settings_pane = SettingsPane(hub)
        self.settings_pane.sig_reload_requested.connect(self._reload_model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.library, "Library")
        self.tabs.addTab(self.settings_pane, "Settings")
        self.setCentralWidget(self.tabs)
        self.chat.sig_status.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.statusBar().showMessage(f"gpt-oss-desktop {__version__}: everything runs on this computer")
        self._shortcuts()
        self._restore_geometry()
        self.chat.load_configured_model()

    def _library_pane(self) -> QWidget:
        return _placeholder("The document library is not part of this version yet: answers come from the "
                            "model alone. Files you drop here are not read.")

    def _shortcuts(self) -> None:
        QShortcut(QKeySequence("Ctrl+,"), self, activated=lambda: self.tabs.setCurrentWidget(self.settings_pane))
        QShortcut(QKeySequence("Ctrl+1"), self, activated=lambda: self.tabs.setCurrentWidget(self.chat))
        QShortcut(QKeySequence("Ctrl+2"), self, activated=lambda: self.tabs.setCurrentWidget(self.library))
        QShortcut(QKeySequence("Ctrl+3"), self, activated=lambda: self.tabs.setCurrentWidget(self.settings_pane))
        QShortcut(QKeySequence("Ctrl+O"), self, activated=self.chat.choose_model_file)
        QShortcut(QKeySequence("Ctrl+Q"), self, activated=self.close)

    def _reload_model(self) -> None:
        path = self.hub.settings.model.chat_model_path
        if path:
            self.chat.load_model(path)

    def _geometry_path(self):
        return self.hub.ctx.paths.config_dir / GEOMETRY_FILE

    def _restore_geometry(self) -> None:
        try:
            self.restoreGeometry(QByteArray(self._geometry_path().read_bytes()))
        except OSError:
            self.resize(1100, 760)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        from desktop.core.fsutil import atomic_write_bytes

        try:
            atomic_write_bytes(self._geometry_path(), bytes(self.saveGeometry().data()))
        except OSError:
            pass  # losing the window size is not worth an error at exit
        self.engine.shutdown()
        super().closeEvent(event)


__all__ = ["MainWindow", "load_options_from_settings"]
