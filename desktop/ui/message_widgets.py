"""One chat message on screen: the user's text, or an answer with its reasoning kept apart.

Only the message being streamed changes while tokens arrive, so the rest of the conversation
is never laid out again. Answers render as Markdown (desktop.ui.markdown) with highlighted code.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.harmony import Delta
from desktop.ui.answer_view import AnswerView
from desktop.ui.markdown import CITE_SCHEME, COPY_SCHEME, code_blocks, plain_text
from desktop.ui.source_viewer import SourceViewer, open_source
from desktop.ui.theme import is_dark


def _text_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.LinksAccessibleByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def _action(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(True)
    return button


def source_documents(sources: list[dict]) -> list[tuple[list[int], dict]]:
    """Sources grouped by document, in rank order: (the numbers citing it, its best-ranked source)."""
    documents: dict[str, tuple[list[int], dict]] = {}
    for source in sorted(sources, key=lambda s: s["n"]):
        documents.setdefault(source["path"], ([], source))[0].append(source["n"])
    return list(documents.values())


class UserMessage(QFrame):
    sig_edit = Signal(int, str)  # position, text: the user wants to edit and resend it

    def __init__(self, text: str, position: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userMessage")
        self.position = position
        self.text = text
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>You</b>"), 1)
        self.copy_button = _action("Copy", "Copy your message")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text))
        self.edit_button = _action("Edit", "Edit and resend this message")
        self.edit_button.clicked.connect(lambda: self.sig_edit.emit(self.position, self.text))
        header.addWidget(self.copy_button)
        header.addWidget(self.edit_button)
        layout.addLayout(header)
        self.body = _text_label(text)
        self.body.setAccessibleName("Your message")
        layout.addWidget(self.body)

    def set_editing(self, editing: bool) -> None:
        """Outline this question while it is the one being edited (theme.py draws it)."""
        self.setProperty("editing", editing)
        self.style().unpolish(self)
        self.style().polish(self)


class AssistantMessage(QFrame):
    """Reasoning (collapsible, collapsed by default) above the answer, stats and actions below."""

    sig_regenerate = Signal(int)  # position of this answer
    sig_cite = Signal(int)  # source number clicked in the answer

    def __init__(self, position: int = -1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantMessage")
        self.position = position
        self.answer_text = ""
        self.reasoning_text = ""
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>gpt-oss</b>"), 1)
        self.copy_button = _action("Copy", "Copy the answer")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.answer_text))
        self.regenerate_button = _action("Regenerate", "Regenerate this answer")
        self.regenerate_button.clicked.connect(lambda: self.sig_regenerate.emit(self.position))
        header.addWidget(self.copy_button)
        header.addWidget(self.regenerate_button)
        layout.addLayout(header)

        self.reasoning_toggle = QToolButton()
        self.reasoning_toggle.setCheckable(True)
        self.reasoning_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.reasoning_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reasoning_toggle.setAutoRaise(True)
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

        self.answer = AnswerView(dark=is_dark())
        self.answer.setAccessibleName("Answer")
        self.answer.sig_link.connect(self._link)
        layout.addWidget(self.answer)

        self.sources_label = QLabel()
        self.sources_label.setObjectName("sourcesStrip")
        self.sources_label.setWordWrap(True)
        self.sources_label.setTextFormat(Qt.TextFormat.RichText)
        self.sources_label.setAccessibleName("Sources")
        self.sources_label.linkActivated.connect(lambda href: self._link(href, ""))
        self.sources_label.hide()
        self.sources: list[dict] = []
        self.viewer: SourceViewer | None = None  # the last source opened in the built-in viewer
        layout.addWidget(self.sources_label)

        # The footer: the effort this answer was written with, as a badge, then its statistics.
        self.effort_badge = QLabel()
        self.effort_badge.setObjectName("effortBadge")
        self.effort_badge.setAccessibleName(self.tr("Reasoning effort of this answer"))
        self.effort_badge.hide()
        self.effort = ""
        self.status = QLabel()
        self.status.setObjectName("messageStatus")
        self.status.setAccessibleName("Message statistics")
        footer = QHBoxLayout()
        footer.addWidget(self.effort_badge)
        footer.addWidget(self.status, 1)
        layout.addLayout(footer)

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
            self.answer.set_text(self.answer_text)

    def set_content(self, text: str, reasoning: str = "", commentary: str = "") -> None:
        """The saved turn: the answer, and the model's working (its reasoning, then what it said on
        the commentary channel, e.g. a tool call's arguments), as it was shown while streaming."""
        self.answer_text = text
        self.answer.set_text(text, final=True)
        reasoning = "\n\n".join(part for part in (reasoning, commentary) if part)
        self.reasoning_text = reasoning
        self.reasoning_view.setPlainText(reasoning)
        self.reasoning_toggle.setVisible(bool(reasoning))

    def finish(self) -> None:
        """The stream ended: render whatever the throttle held back."""
        self.answer.set_text(self.answer_text, final=True)

    def set_reasoning_done(self, seconds: float) -> None:
        if self.reasoning_text:
            self.reasoning_toggle.setText(f"Thought for {seconds:.0f} s" if seconds >= 1 else "Thought for <1 s")

    def set_sources(self, sources: list[dict]) -> None:
        """The Sources strip: one line per document, its best passage first (the numbers the answer
        cites, where, a plain-text snippet); a click opens the document at that passage."""
        self.sources = list(sources)
        lines = []
        for numbers, best in source_documents(self.sources):
            where = Path(best["path"]).name
            if best.get("page"):
                where += self.tr(" p. {page}").format(page=best["page"])
            elif best.get("heading"):
                where += f" › {best['heading']}"
            cites = ", ".join(str(n) for n in numbers)
            snippet = plain_text(str(best.get("excerpt", "")))
            snippet = snippet if len(snippet) <= 140 else snippet[:140].rsplit(" ", 1)[0] + "…"
            lines.append(f'<a href="{CITE_SCHEME}{best["n"]}">[{cites}] {html.escape(where)}</a>'
                         f' <span style="color: palette(placeholder-text)">{html.escape(snippet)}</span>')
        self.sources_label.setText("<b>" + self.tr("Sources") + "</b><br>" + "<br>".join(lines))
        self.sources_label.setVisible(bool(lines))

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def set_effort(self, effort: str | None) -> None:
        names = {"low": self.tr("Low effort"), "medium": self.tr("Medium effort"), "high": self.tr("High effort")}
        self.effort = effort or ""
        self.effort_badge.setText(names.get(self.effort, self.effort))
        self.effort_badge.setToolTip(self.tr("Written with {effort} reasoning effort").format(effort=self.effort))
        self.effort_badge.setProperty("effort", self.effort)
        self.effort_badge.setVisible(bool(self.effort))

    def set_busy(self, busy: bool) -> None:
        self.regenerate_button.setEnabled(not busy)

    def _link(self, href: str, block_source: str) -> None:
        if href.startswith(COPY_SCHEME):
            blocks = code_blocks(block_source)
            index = int(href[len(COPY_SCHEME):])
            if 0 <= index < len(blocks):
                QGuiApplication.clipboard().setText(blocks[index])
        elif href.startswith(CITE_SCHEME):
            number = int(href[len(CITE_SCHEME):])
            self.sig_cite.emit(number)
            for source in self.sources:
                if source["n"] == number:
                    self.viewer = open_source(source, self)
        elif href.startswith(("http://", "https://", "mailto:")):
            from PySide6.QtCore import QUrl
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl(href))

    def _show_reasoning(self, shown: bool) -> None:
        self.reasoning_view.setVisible(shown)
        self.reasoning_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)


def status_line(status: str, stats: dict | None, error: str | None) -> str:
    """The line under an answer: how it ended (when not plainly) and its speed."""
    from PySide6.QtCore import QCoreApplication

    def tr(text: str) -> str:
        return QCoreApplication.translate("ChatPane", text)

    stats = stats or {}
    parts = []
    if status == "partial":
        parts.append(tr("interrupted: partial answer"))
    elif status == "cancelled":
        parts.append(tr("stopped"))
    elif status == "error":
        parts.append(tr("error: {error}").format(error=error))
    if stats.get("tokens_per_s"):
        parts.append(tr("{speed} tok/s").format(speed=f"{stats['tokens_per_s']:.1f}"))
    if stats.get("ttft_ms"):
        parts.append(tr("{s} s to first token").format(s=f"{stats['ttft_ms'] / 1000:.2f}"))
    return " · ".join(parts)  # the effort has its own badge in the footer
