"""The main window: a navigation rail over the Chat, Library, Settings and Models panes,
shortcuts, and remembered layout."""

from __future__ import annotations

import gc
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QPushButton,
    QWidget,
)

from desktop.core.conversations import ConversationStore, NotFoundError
from desktop.settings import Settings
from desktop.ui.chat_pane import ChatPane
from desktop.ui.download_jobs import DownloadJobs
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.first_paint import after_first_paint
from desktop.ui.local_api import ApiFactory, ApiIndicator, LocalApiController
from desktop.ui.nav_rail import RailPanes
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.theme import apply_theme

if TYPE_CHECKING:  # built after the first frame, so imported then (the library's modules: ~0.2 s)
    from desktop.ui.library_pane import LibraryPane
    from desktop.ui.library_worker import LibraryService
    from desktop.ui.models_view import ModelsView
    from desktop.ui.settings_pane import SettingsPane

UNDO_SECONDS = 10
CHAT, LIBRARY, SETTINGS, MODELS = range(4)  # the panes, in the rail's order


class MainWindow(QMainWindow):
    def __init__(self, hub: SettingsHub, store: ConversationStore | None = None,
                 api_factory: ApiFactory | None = None) -> None:
        super().__init__()
        self.hub = hub
        self.setWindowTitle("gpt-oss-desktop")
        self.setAccessibleName("gpt-oss-desktop")
        self._owns_store = store is None
        self.store = store or ConversationStore(hub.ctx.paths.conversations_db)
        self.ui_state = QSettings(str(hub.ctx.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
        apply_theme(hub.settings.appearance.theme)
        self._theme = hub.settings.appearance.theme
        self.engine = EngineBridge(self)  # the window is one client of the engine
        self._library_service: LibraryService | None = None
        self.downloads = DownloadJobs(self)  # one per window: the first-run screen and Models view share it
        # The rail and its panes go in first and the chat is made inside them: moving a built chat
        # into the window re-resolved the style of its whole widget tree (~8 ms of the first frame).
        self.panes = RailPanes(hub.ctx.paths.cache_dir / "icons")
        self.setCentralWidget(self.panes)
        self.chat = ChatPane(hub, self.engine, self.store, None, self.panes.stack, downloads=self.downloads)
        self._library_model = hub.settings.library.embedding_model_path
        # The Library and Settings panes are built just after the first frame (or when first
        # asked for): the window shows the chat without waiting for their ~150 widgets.
        self._library: LibraryPane | None = None
        self._settings_pane: SettingsPane | None = None
        self.models_view: ModelsView | None = None  # built when first asked for
        for pane, icon, title, keys in (
            (self.chat, "message-square", self.tr("Chat"), "Ctrl+1"),
            (QWidget(), "library-big", self.tr("Library"), "Ctrl+2"),
            (QWidget(), "settings", self.tr("Settings"), "Ctrl+3"),
            (QWidget(), "box", self.tr("Models"), "Ctrl+4"),
        ):
            # Back on the chat, the keyboard is in the message box again.
            self.panes.add_pane(pane, icon, title, keys, focus=self.chat.input if pane is self.chat else None)
        self.panes.currentChanged.connect(self._build_current_pane)
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.setAccessibleName(self.tr("Undo delete"))
        self.undo_button.hide()
        self.statusBar().addPermanentWidget(self.undo_button)
        # The local API: one more client of this window's engine (api_factory comes from the
        # composition root; without one, Settings says the API is not part of this window).
        self.local_api = LocalApiController(hub, self.engine, api_factory, self)
        self.api_indicator = ApiIndicator(self.local_api)
        self.api_indicator.clicked.connect(self.open_api_settings)
        self.statusBar().addPermanentWidget(self.api_indicator)
        self._undo_timer = QTimer(self, singleShot=True, interval=UNDO_SECONDS * 1000,
                                  timeout=self._hide_undo)
        self._deleted = None
        self.undo_button.clicked.connect(self.undo_delete)
        self.chat.sig_deleted.connect(self._offer_undo)
        self.chat.sig_models_requested.connect(self.open_models)
        self.chat.sig_status.connect(lambda text: self.statusBar().showMessage(text, 6000))
        hub.sig_changed.connect(self._apply_settings)
        self.statusBar().showMessage(self.tr("gpt-oss-desktop: everything runs on this computer"))
        self._shortcuts()
        self._restore_state()
        # Start-up leaves ~130k long-lived Python objects (Qt, gRPC, pymilvus, llama.cpp). A full
        # garbage collection walks them all holding the GIL, wherever it runs: the window froze
        # 50 ms at a time while a library was indexed. Once a part is up, its objects are moved
        # out of the collector's way (they live as long as the app anyway).
        self.engine.sig_loaded.connect(lambda *_: gc.freeze())
        self._engine_started = False
        after_first_paint(self, self._after_first_paint)
        self.chat.input.setFocus()  # the window opens ready to type, no click needed

    def _after_first_paint(self) -> None:
        # The model (llama.cpp, gguf, numpy, the planner) and the models list load once the window
        # is on screen: the first frame needs none of them.
        if self._engine_started:  # the window closed before this ran
            return
        self._engine_started = True
        self._start_engine()
        self._show_version()

    def _show_version(self) -> None:
        import desktop  # its version comes from the package metadata, read on first use

        self.statusBar().showMessage(self.tr("gpt-oss-desktop {version}: everything runs on this computer")
                                     .format(version=desktop.__version__))

    @property
    def library_service(self) -> LibraryService:
        """The library's thread; made with the Library pane, just after the first frame."""
        if self._library_service is None:
            from desktop.ui.library_worker import LibraryService

            self._library_service = LibraryService(self.hub.ctx, self)
            self._library_service.sig_ready.connect(gc.freeze)
            self.chat.set_library(self._library_service)
        return self._library_service

    @property
    def library(self) -> LibraryPane:
        if self._library is None:
            from desktop.ui.library_pane import LibraryPane

            self._library = LibraryPane(self.hub.ctx, service=self.library_service, hub=self.hub, jobs=self.downloads)
            self._place(LIBRARY, self._library)
        return self._library

    @property
    def settings_pane(self) -> SettingsPane:
        if self._settings_pane is None:
            from desktop.ui.settings_pane import SettingsPane

            self._settings_pane = SettingsPane(self.hub)
            self._settings_pane.sig_reload_requested.connect(self._reload_model)
            self._settings_pane.sig_models_requested.connect(self.open_models)
            from desktop.ui.settings_local_api import LocalApiPanel

            for panel in self._settings_pane.findChildren(LocalApiPanel):
                panel.attach(self.local_api)
            self._place(SETTINGS, self._settings_pane)
        return self._settings_pane

    @property
    def tabs(self) -> RailPanes:
        """The panes under the name they had as tabs (scripts and tests switch panes through it)."""
        return self.panes

    def _place(self, index: int, pane: QWidget) -> None:
        """Put a built pane where its placeholder was, keeping the pane the user is on."""
        self.panes.replace_pane(index, pane).deleteLater()

    def _build_current_pane(self, index: int) -> None:
        if index == LIBRARY:
            self.library  # noqa: B018 - built on first sight
        elif index == SETTINGS:
            self.settings_pane  # noqa: B018
        elif index == MODELS:
            self._models_pane()

    def _start_engine(self) -> None:
        if self.engine.closed:
            return
        from desktop.ui.markdown import warm_up

        # The renderer's imports run on a worker now rather than on the UI thread at the first answer.
        threading.Thread(target=warm_up, name="markdown-warm-up", daemon=True).start()
        self.chat.refresh_models()
        self.chat.load_configured_model()
        self.local_api.begin()
        QTimer.singleShot(0, lambda: self.library)
        QTimer.singleShot(0, lambda: self.settings_pane)

    def _shortcuts(self) -> None:
        bindings = {
            "Ctrl+,": lambda: self.panes.setCurrentIndex(SETTINGS),
            "Ctrl+1": lambda: self.panes.setCurrentIndex(CHAT),
            "Ctrl+2": lambda: self.panes.setCurrentIndex(LIBRARY),
            "Ctrl+3": lambda: self.panes.setCurrentIndex(SETTINGS),
            "Ctrl+4": self.open_models,
            "Ctrl+N": self._new_chat,
            "Ctrl+K": self._search_chats,
            "Ctrl+O": self.chat.choose_model_file,
            "Ctrl+M": self.open_models,
            "Ctrl+Q": self.close,
        }
        for keys, action in bindings.items():
            QShortcut(QKeySequence(keys), self, activated=action)

    def open_models(self) -> None:
        """The Models pane: the machine, what fits, downloads, import, remove."""
        self.panes.setCurrentIndex(MODELS)

    def _models_pane(self) -> ModelsView:
        if self.models_view is None:
            from desktop.ui.models_view import ModelsView

            view = ModelsView(self.hub.ctx, jobs=self.downloads)
            view.close_button.hide()  # a pane of the window: the rail leaves it, and Close would quit the app
            view.sig_model_chosen.connect(lambda path: (self.chat.open_model(path), self.panes.setCurrentIndex(CHAT)))
            view.sig_embedding_chosen.connect(lambda path: self.hub.update("library", embedding_model_path=path))
            view.sig_models_changed.connect(self.chat.refresh_models)
            self.models_view = view
            self._place(MODELS, view)
        return self.models_view

    def open_api_settings(self) -> None:
        from desktop.ui.settings_local_api import reveal

        self.panes.setCurrentWidget(self.settings_pane)
        card = self.settings_pane.sections.get("api")
        if card is not None:
            reveal(card)

    def _new_chat(self) -> None:
        self.panes.setCurrentIndex(CHAT)
        self.chat.new_conversation()

    def _search_chats(self) -> None:
        self.panes.setCurrentIndex(CHAT)
        self.chat.sidebar.focus_search()

    def _offer_undo(self, snapshot) -> None:
        self._deleted = snapshot
        title = snapshot.conversation.title or self.tr("chat")
        self.statusBar().showMessage(self.tr("Deleted “{title}”").format(title=title), UNDO_SECONDS * 1000)
        self.undo_button.show()
        self._undo_timer.start()

    def undo_delete(self) -> None:
        if self._deleted is not None:
            self.chat.restore_conversation(self._deleted)
            self.statusBar().showMessage(self.tr("Restored"), 3000)
        self._hide_undo()

    def _hide_undo(self) -> None:
        self._deleted = None
        self.undo_button.hide()

    def _apply_settings(self, settings: Settings) -> None:
        # Restyling the whole application takes ~1 s here: only when the theme itself changed
        # (every other setting, the local API's on/off included, froze the window that long).
        if settings.appearance.theme != self._theme:
            self._theme = settings.appearance.theme
            apply_theme(settings.appearance.theme)
        # Another embedding model is another vector space: the library re-opens on its collection.
        if settings.library.embedding_model_path != self._library_model:
            self._library_model = settings.library.embedding_model_path
            self.library_service.open()

    def _reload_model(self) -> None:
        path = self.hub.settings.model.chat_model_path
        if path:
            self.chat.load_model(path)

    def _restore_state(self) -> None:
        geometry = self.ui_state.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1180, 780)
        splitter = self.ui_state.value("splitter")
        if splitter is not None:
            self.chat.splitter.restoreState(splitter)
        conversation = self.ui_state.value("conversation")
        if conversation:
            try:
                self.chat.open_conversation(int(conversation))
            except (NotFoundError, ValueError):
                pass  # deleted since, or a hand-edited file: start on a new chat

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.ui_state.setValue("geometry", self.saveGeometry())
        self.ui_state.setValue("splitter", self.chat.splitter.saveState())
        self.ui_state.setValue("conversation", self.chat.conversation_id or 0)
        self.ui_state.sync()
        self._engine_started = True  # a start still queued for after the first paint does not run
        self.chat.sidebar.stop()
        self.local_api.shutdown()  # the API's requests end and its port is free before the engine closes
        self.engine.shutdown()
        if self._library is not None:
            self._library.shutdown()
        elif self._library_service is not None:
            self._library_service.shutdown()
        if self._owns_store:
            self.store.close()
        super().closeEvent(event)
        QApplication.instance().processEvents()
