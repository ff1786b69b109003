"""One chat message on screen: the user's text as a tinted bubble on the right, or an answer as a
card with its reasoning (and tool steps) kept apart above it, in the centred reading column.

Only the message being streamed changes while tokens arrive, so the rest of the conversation
is never laid out again. Answers render as Markdown (desktop.ui.markdown) with highlighted code.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.answer_view import AnswerView
from desktop.ui.markdown import CITE_SCHEME, COPY_SCHEME, code_blocks, plain_text
from desktop.ui.theme import READING_WIDTH, SPACE_L, SPACE_M, SPACE_S, SPACE_XS, centred, is_dark, set_style_property
from desktop.ui.thinking_block import ThinkingBlock

if TYPE_CHECKING:  # the chat pane imports this module before its first frame, which shows no message
    from desktop.core.harmony import Delta
    from desktop.ui.source_viewer import SourceViewer

BUBBLE_WIDTH = READING_WIDTH * 4 // 5  # the user's bubble leaves room on its left, as chat apps do


def _text_label(text: str = "", kind: type[QLabel] = QLabel) -> QLabel:
    label = kind(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.LinksAccessibleByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class _BubbleText(QLabel):
    """The question's text: as wide as its longest line (so a short question gets a small bubble),
    wrapping once the bubble reaches its maximum width."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        metrics = self.fontMetrics()
        natural = max((metrics.horizontalAdvance(line) for line in self.text().splitlines() or [""]), default=0)
        width = min(natural + 2, BUBBLE_WIDTH - 2 * SPACE_L)
        return QSize(width, self.heightForWidth(width))


def _action(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName("messageAction")
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def _centred(row: QWidget, content: QWidget) -> None:
    """Lay `content` out in the reading column: at most READING_WIDTH wide, centred in `row`."""
    centred(row, content, READING_WIDTH, vertical=SPACE_S, spacing=0)


def announce(widget: QWidget, text: str) -> None:
    """Tell a screen reader `text` now, politely (after what it is reading), and keep it as the
    widget's accessible description for readers that only look there."""
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent  # their enums: ~2 ms of start-up

    widget.setAccessibleDescription(text)
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)


def source_documents(sources: list[dict]) -> list[tuple[list[int], dict]]:
    """Sources grouped by document, in rank order: (the numbers citing it, its best-ranked source)."""
    documents: dict[str, tuple[list[int], dict]] = {}
    for source in sorted(sources, key=lambda s: s["n"]):
        documents.setdefault(source["path"], ([], source))[0].append(source["n"])
    return list(documents.values())


class UserMessage(QFrame):
    """The question, right-aligned in a tinted bubble; Copy and Edit under it."""

    sig_edit = Signal(int, str)  # position, text: the user wants to edit and resend it

    def __init__(self, text: str, position: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userMessage")
        self.setAccessibleName(self.tr("Your message"))
        self.position = position
        self.text = text
        column = QWidget()
        _centred(self, column)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_XS)
        self.bubble = QFrame()
        self.bubble.setObjectName("userBubble")
        self.bubble.setMaximumWidth(BUBBLE_WIDTH)
        bubble_layout = QVBoxLayout(self.bubble)
        bubble_layout.setContentsMargins(SPACE_L, SPACE_M - 2, SPACE_L, SPACE_M - 2)  # 2 px: the bubble's border
        self.body = _text_label(text, _BubbleText)
        self.body.setAccessibleName(self.tr("Your message"))
        bubble_layout.addWidget(self.body)
        bubble_row = QHBoxLayout()
        bubble_row.addStretch(1)
        bubble_row.addWidget(self.bubble)
        layout.addLayout(bubble_row)
        self.copy_button = _action(self.tr("Copy"), self.tr("Copy your message"))
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text))
        self.edit_button = _action(self.tr("Edit"), self.tr("Edit and resend this message"))
        self.edit_button.clicked.connect(lambda: self.sig_edit.emit(self.position, self.text))
        actions = QHBoxLayout()
        actions.setSpacing(SPACE_XS)
        actions.addStretch(1)
        actions.addWidget(self.copy_button)
        actions.addWidget(self.edit_button)
        layout.addLayout(actions)

    def set_editing(self, editing: bool) -> None:
        """Outline this question while it is the one being edited (theme.py draws it)."""
        set_style_property(self, "editing", editing)
        set_style_property(self.bubble, "editing", editing)


class AssistantMessage(QFrame):
    """A card: its actions in the header, reasoning and tool steps (collapsible) above the answer;
    sources, the effort badge and statistics below."""

    sig_regenerate = Signal(int)  # position of this answer
    sig_cite = Signal(int)  # source number clicked in the answer

    def __init__(self, position: int = -1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantMessage")
        self.position = position
        self.answer_text = ""
        self.reasoning_text = ""  # all of the model's working shown: reasoning, then commentary
        self.card = QFrame()
        self.card.setObjectName("assistantCard")
        self.card.setAccessibleName(self.tr("Answer"))
        _centred(self, self.card)
        layout = QVBoxLayout(self.card)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        layout.setSpacing(SPACE_S)
        name = QLabel("gpt-oss")
        name.setObjectName("assistantName")
        self.copy_button = _action(self.tr("Copy"), self.tr("Copy the answer"))
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.answer_text))
        self.regenerate_button = _action(self.tr("Regenerate"), self.tr("Regenerate this answer"))
        self.regenerate_button.clicked.connect(lambda: self.sig_regenerate.emit(self.position))
        header = QHBoxLayout()
        header.setSpacing(SPACE_XS)
        header.addWidget(name, 1)
        header.addWidget(self.copy_button)
        header.addWidget(self.regenerate_button)
        layout.addLayout(header)

        self.reasoning = ThinkingBlock("reasoning")
        self.tool_steps = ThinkingBlock("tools")
        self.reasoning_toggle = self.reasoning.header  # the control a user clicks to see the reasoning
        layout.addWidget(self.reasoning)
        layout.addWidget(self.tool_steps)

        self.answer = AnswerView(dark=is_dark())
        self.answer.setAccessibleName(self.tr("Answer"))
        self.answer.sig_link.connect(self._link)
        self.answer.hide()  # until its first words: no blank line under "Thinking…"
        layout.addWidget(self.answer)

        self.sources_label = QLabel()
        self.sources_label.setObjectName("sourcesStrip")
        self.sources_label.setWordWrap(True)
        self.sources_label.setTextFormat(Qt.TextFormat.RichText)
        self.sources_label.setAccessibleName(self.tr("Sources"))
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
        self.status.setAccessibleName(self.tr("Message statistics"))
        self.status.setWordWrap(True)
        footer = QHBoxLayout()
        footer.setSpacing(SPACE_S)
        footer.addWidget(self.effort_badge)
        footer.addWidget(self.status, 1)
        layout.addLayout(footer)

    def append(self, deltas: list[Delta]) -> None:
        answer_changed = False
        for delta in deltas:
            if delta.channel == "final":
                if not self.answer_text:  # the answer starts: the thinking is over
                    self.reasoning.stop_clock()
                    self.tool_steps.stop_clock()
                self.answer_text += delta.text
                answer_changed = True
            elif delta.channel == "analysis":
                self.reasoning_text += delta.text
                self.reasoning.append(delta.text)
            else:  # commentary: a tool call's arguments, or what the model says about its steps
                self.reasoning_text += delta.text
                self.reasoning.stop_clock()
                self.tool_steps.append(delta.text)
        if answer_changed:
            self.answer.show()
            self.answer.set_text(self.answer_text)

    def set_content(self, text: str, reasoning: str = "", commentary: str = "") -> None:
        """The saved turn: the answer, and the model's working (its reasoning, then what it said on
        the commentary channel, e.g. a tool call's arguments), as it was shown while streaming."""
        self.answer_text = text
        self.answer.set_text(text, final=True)
        self.answer.setVisible(bool(text))
        self.reasoning_text = "\n\n".join(part for part in (reasoning, commentary) if part)
        self.reasoning.set_text(reasoning, self.reasoning.seconds)
        self.tool_steps.set_text(commentary)

    def finish(self) -> None:
        """The stream ended: render whatever the throttle held back; the clocks stop."""
        self.reasoning.stop_clock()
        self.tool_steps.stop_clock()
        self.answer.set_text(self.answer_text, final=True)

    def set_reasoning_done(self, seconds: float) -> None:
        if self.reasoning.text:
            self.reasoning.finish(seconds)

    def set_failed(self, failed: bool) -> None:
        """An answer that ended in an error: its card and status line say so in the error colour."""
        set_style_property(self.card, "failed", failed, self.status)

    def announce_finished(self) -> None:
        """Tell a screen reader the answer is complete (and its first words)."""
        words = plain_text(self.answer_text).split()
        start = " ".join(words[:30]) + (" …" if len(words) > 30 else "")
        announce(self.card, self.tr("Answer finished: {start}").format(start=start) if start
                 else self.tr("Answer finished."))

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
            from desktop.ui.source_viewer import open_source

            for source in self.sources:
                if source["n"] == number:
                    self.viewer = open_source(source, self)
        elif href.startswith(("http://", "https://", "mailto:")):
            from PySide6.QtCore import QUrl
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl(href))

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
