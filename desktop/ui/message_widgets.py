"""One chat message on screen: the user's text, or an answer with its reasoning kept apart.

Only the message being streamed changes while tokens arrive, so the rest of the conversation
is never laid out again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from desktop.core.harmony import Delta


def _text_label(text: str = "", rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.MarkdownText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.LinksAccessibleByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class UserMessage(QFrame):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userMessage")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        title = QLabel("<b>You</b>")
        self.body = _text_label(text)
        self.body.setAccessibleName("Your message")
        layout.addWidget(title)
        layout.addWidget(self.body)


class AssistantMessage(QFrame):
    """Reasoning (collapsible, collapsed by default) above the answer, stats below."""

    sig_link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantMessage")
        self.answer_text = ""
        self.reasoning_text = ""
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>gpt-oss</b>"))

        self.reasoning_toggle = QToolButton()
        self.reasoning_toggle.setCheckable(True)
        self.reasoning_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.reasoning_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reasoning_toggle.setText("Thinking…")
        self.reasoning_toggle.setAccessibleName("Show reasoning")
        self.reasoning_toggle.toggled.connect(self._show_reasoning)
        self.reasoning_toggle.hide()
        self.reasoning_view = QPlainTextEdit()
        self.reasoning_view.setReadOnly(True)
        self.reasoning_view.setAccessibleName("Reasoning")
        self.reasoning_view.setMaximumHeight(220)
        self.reasoning_view.hide()
        layout.addWidget(self.reasoning_toggle)
        layout.addWidget(self.reasoning_view)

        self.answer = _text_label(rich=True)
        self.answer.setAccessibleName("Answer")
        self.answer.linkActivated.connect(self.sig_link_activated)
        layout.addWidget(self.answer)

        self.status = QLabel()
        self.status.setObjectName("messageStatus")
        self.status.setAccessibleName("Message statistics")
        layout.addWidget(self.status)

    def append(self, deltas: list[Delta]) -> None:
        answer_changed = False
        for delta in deltas:
            if delta.channel == "final":
                self.answer_text += delta.text
                answer_changed = True
            else:  # analysis and commentary both belong to the model's working
                self.reasoning_text += delta.text
                self.reasoning_toggle.show()
                # Appending at the end keeps this O(delta), not O(whole reasoning).
                cursor = self.reasoning_view.textCursor()
                cursor.movePosition(cursor.MoveOperation.End)
                cursor.insertText(delta.text)
        if answer_changed:
            self.answer.setText(self.answer_text)

    def set_answer(self, text: str, reasoning: str = "") -> None:
        self.answer_text = text
        self.answer.setText(text)
        self.reasoning_text = reasoning
        self.reasoning_view.setPlainText(reasoning)
        self.reasoning_toggle.setVisible(bool(reasoning))

    def set_reasoning_done(self, seconds: float) -> None:
        if self.reasoning_text:
            self.reasoning_toggle.setText(f"Thought for {seconds:.0f} s" if seconds >= 1 else "Thought for <1 s")

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def _show_reasoning(self, shown: bool) -> None:
        self.reasoning_view.setVisible(shown)
        self.reasoning_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
