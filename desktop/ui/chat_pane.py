"""The Chat pane: messages, the input box, Send/Stop, the effort toggle and the model banner."""

from __future__ import annotations

import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QScrollArea,
    QSizePolicy, QVBoxLayout, QWidget,
)

from desktop.core import harmony
from desktop.core.chat import TurnResult, load_options_from_settings, sampling_from_settings
from desktop.core.runtime import GenerationStats
from desktop.settings import EFFORTS, Settings
from desktop.ui.llm_worker import ChatEngine, LoadedModel
from desktop.ui.message_widgets import AssistantMessage, UserMessage
from desktop.ui.settings_hub import SettingsHub


class PromptEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line, Esc stops generation."""

    sig_submit = Signal()
    sig_escape = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.sig_submit.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.sig_escape.emit()
            return
        super().keyPressEvent(event)


class EffortToggle(QWidget):
    """Three exclusive buttons, L | M | H, bound to the reasoning-effort setting."""

    def __init__(self, hub: SettingsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(QLabel("Effort: "))
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        for effort in EFFORTS:
            button = QPushButton(effort.capitalize())
            button.setCheckable(True)
            button.setAccessibleName(f"{effort} reasoning effort")
            button.setToolTip(f"Reasoning effort: {effort} (applies to the next message)")
            self.group.addButton(button)
            self.buttons[effort] = button
            layout.addWidget(button)
            button.clicked.connect(lambda _checked=False, e=effort: self._hub.update("reasoning", effort=e))
        hub.sig_changed.connect(self._sync)
        self._sync(hub.settings)

    def _sync(self, settings: Settings) -> None:
        self.buttons[settings.reasoning.effort].setChecked(True)


class ChatPane(QWidget):
    sig_status = Signal(str)  # a short line for the window's status bar

    def __init__(self, hub: SettingsHub, engine: ChatEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._engine = engine
        self._turns: list[harmony.Turn] = []
        self._today = datetime.date.today()  # fixed per conversation: keeps the prompt prefix cacheable
        self._streaming: AssistantMessage | None = None
        self._pending_user_text = ""
        self.last_prompt = ""

        layout = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setObjectName("modelBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.open_model_button = QPushButton("Open model…")
        self.open_model_button.setAccessibleName("Open a GGUF model file")
        self.open_model_button.clicked.connect(self.choose_model_file)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.open_model_button)
        layout.addLayout(banner_row)

        self.messages = QWidget()
        self.messages_layout = QVBoxLayout(self.messages)
        self.messages_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.messages)
        self.scroll.setAccessibleName("Conversation")
        layout.addWidget(self.scroll, 1)

        self.input = PromptEdit()
        self.input.setPlaceholderText("Ask anything… (Enter to send, Shift+Enter for a new line)")
        self.input.setAccessibleName("Message")
        self.input.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.input.setFixedHeight(80)
        self.input.sig_submit.connect(self.send)
        self.input.sig_escape.connect(self.stop)
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send")
        self.send_button.clicked.connect(self._send_or_stop)
        self.effort = EffortToggle(hub)
        self.live_stats = QLabel()
        self.live_stats.setAccessibleName("Generation speed")
        input_row = QHBoxLayout()
        input_row.addWidget(self.input, 1)
        input_row.addWidget(self.send_button)
        controls = QHBoxLayout()
        controls.addWidget(self.effort)
        controls.addStretch(1)
        controls.addWidget(self.live_stats)
        layout.addLayout(input_row)
        layout.addLayout(controls)

        engine.sig_loaded.connect(self._on_loaded)
        engine.sig_load_failed.connect(self._on_load_failed)
        engine.sig_deltas.connect(self._on_deltas)
        engine.sig_finished.connect(self._on_finished)
        engine.sig_failed.connect(self._on_failed)
        self._set_busy(False)
        self._show_banner()

    # -- model ------------------------------------------------------------------------------
    def load_configured_model(self) -> None:
        path = self._hub.settings.model.chat_model_path
        if path:
            self.load_model(path)
        self._show_banner()

    def load_model(self, path: str) -> None:
        self._set_banner(f"Loading {Path(path).name}…", error=False)
        self.send_button.setEnabled(False)
        self._engine.load(path, load_options_from_settings(self._hub.settings))

    def choose_model_file(self) -> None:
        start = self._hub.ctx.paths.models_dir
        path, _ = QFileDialog.getOpenFileName(self, "Open a gpt-oss model", str(start),
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.open_model(path)

    def open_model(self, path: str) -> None:
        """Load `path` and remember it as the chat model once it loads."""
        self._pending_model = path
        self.load_model(path)

    def _on_loaded(self, model: LoadedModel) -> None:
        if getattr(self, "_pending_model", None) == model.path:
            self._hub.update("model", chat_model_path=model.path)
            self._pending_model = None
        self._set_banner(f"Model: {model.name} · context {model.n_ctx:,} tokens · loaded in {model.load_s:.1f} s",
                         error=False)
        self.sig_status.emit(f"{model.name} ready")
        self._set_busy(False)

    def _on_load_failed(self, message: str) -> None:
        self._set_banner(message, error=True)
        self._set_busy(False)

    def _show_banner(self) -> None:
        if self._engine.model is None and not self._hub.settings.model.chat_model_path:
            self._set_banner("No model yet. Choose a gpt-oss .gguf file with “Open model…” "
                             "(for example gpt-oss-20b-mxfp4.gguf); the app remembers it.", error=False)

    def _set_banner(self, text: str, error: bool) -> None:
        self.banner.setText(text)
        self.banner.setProperty("error", error)
        self.banner.setStyleSheet("color: palette(bright-text); background: #b3261e; padding: 6px;" if error else "")

    # -- conversation -------------------------------------------------------------------------
    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self._engine.busy:
            return
        if self._engine.model is None:
            self._set_banner("Load a model first: “Open model…” picks a gpt-oss .gguf file.", error=True)
            return
        settings = self._hub.settings
        self.input.clear()
        self._pending_user_text = text
        self._add_widget(UserMessage(text))
        self._streaming = AssistantMessage()
        self._add_widget(self._streaming)
        prompt = harmony.render_prompt(
            [*self._turns, harmony.Turn("user", text)], effort=settings.reasoning.effort,
            instructions=settings.reasoning.system_prompt, today=self._today,
        )
        self.last_prompt = prompt
        self._engine.generate(prompt, sampling_from_settings(settings))
        self._set_busy(True)

    def stop(self) -> None:
        self._engine.stop()

    def _send_or_stop(self) -> None:
        if self._engine.busy:
            self.stop()
        else:
            self.send()

    def _on_deltas(self, deltas: list[harmony.Delta], stats: GenerationStats) -> None:
        if self._streaming is None:
            return
        self._streaming.append(deltas)
        if stats.tokens > 1:
            self.live_stats.setText(f"{stats.tokens} tokens · {stats.tokens_per_s:.1f} tok/s")
        self._scroll_to_end()

    def _on_finished(self, result: TurnResult) -> None:
        message = self._streaming
        self._streaming = None
        self._set_busy(False)
        if message is None:
            return
        message.set_reasoning_done(result.reasoning_s)
        stats = result.stats
        effort = self._hub.settings.reasoning.effort
        parts = [f"{stats.tokens_per_s:.1f} tok/s", f"{stats.ttft_s:.2f} s to first token", f"{effort} effort"]
        if result.cancelled:
            parts.insert(0, "stopped")
        message.set_status(" · ".join(parts))
        self.live_stats.setText(f"{stats.tokens} tokens · {stats.tokens_per_s:.1f} tok/s")
        # Earlier assistant turns are rendered with their final answer only (harmony's rule).
        self._turns += [harmony.Turn("user", self._pending_user_text), harmony.Turn("assistant", result.answer)]

    def _on_failed(self, message: str) -> None:
        if self._streaming is not None:
            self._streaming.set_status(f"error: {message}")
        self._streaming = None
        self._set_busy(False)
        self.sig_status.emit(message)

    def _set_busy(self, busy: bool) -> None:
        self.send_button.setText("Stop" if busy else "Send")
        self.send_button.setAccessibleName("Stop" if busy else "Send")
        self.send_button.setEnabled(busy or self._engine.model is not None)

    def _add_widget(self, widget: QWidget) -> None:
        self.messages_layout.insertWidget(self.messages_layout.count() - 1, widget)
        self._scroll_to_end()

    def _scroll_to_end(self) -> None:
        bar = self.scroll.verticalScrollBar()
        QTimer.singleShot(0, lambda: bar.setValue(bar.maximum()))
