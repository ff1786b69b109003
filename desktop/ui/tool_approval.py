"""Every MCP call is the person's to allow, asked inside the chat, not in a dialog that blocks the
window: a card in the answer names the tool and shows its arguments (pretty JSON, as plain text:
they come from the model, which may have read untrusted text), with Allow once, Always allow this
tool and Deny. "Always" is remembered per tool in the window's state file.

The turn's thread asks and waits (ApprovalBroker.approve); the card answers on the UI thread. Stop
drops every open question: the agent loop sees the turn stopped and runs nothing.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop.tools.approval import Decision
from desktop.ui.theme import SPACE_S, SPACE_XS

ALWAYS_KEY = "tools/always_allowed"
_WAIT_S = 0.1  # how often a waiting turn looks whether the window has closed
ARGUMENT_LINES = 10  # the arguments box grows up to this many lines, then scrolls


@dataclass
class ApprovalRequest:
    """One call waiting for the person: made on the turn's thread, answered on the UI thread."""

    name: str
    arguments: dict[str, Any]
    answered: threading.Event = field(default_factory=threading.Event)
    decision: Decision = Decision.DENY


class ApprovalBroker(QObject):
    """Puts each call to the person. `approve` is the turn's Approver (desktop.tools.runner)."""

    sig_asked = Signal(object)  # ApprovalRequest, on the UI thread: show it
    sig_answered = Signal(object)  # ApprovalRequest, once decided (or dropped by Stop)

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        value = settings.value(ALWAYS_KEY, [])
        names = [value] if isinstance(value, str) else list(value or [])
        self._always: frozenset[str] = frozenset(str(n) for n in names if n)
        self._open: list[ApprovalRequest] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def always_allowed(self) -> frozenset[str]:
        return self._always

    # -- the turn's thread ------------------------------------------------------------------------
    def approve(self, name: str, arguments: dict[str, Any]) -> bool:
        """Blocks the turn's thread until the person answers (or Stop, or the window closes)."""
        if name in self._always:
            return True
        request = ApprovalRequest(name, arguments)
        with self._lock:
            if self._closed:
                return False
            self._open.append(request)
        self.sig_asked.emit(request)  # queued to the UI thread: this object lives there
        while not request.answered.wait(_WAIT_S):
            if self._closed:
                return False
        return request.decision is not Decision.DENY

    # -- the UI thread --------------------------------------------------------------------------
    def decide(self, request: ApprovalRequest, decision: Decision) -> None:
        if request.answered.is_set():
            return
        if decision is Decision.ALWAYS:
            self._always = self._always | {request.name}
            self._settings.setValue(ALWAYS_KEY, sorted(self._always))
        request.decision = decision
        with self._lock:
            if request in self._open:
                self._open.remove(request)
        request.answered.set()
        self.sig_answered.emit(request)

    def forget_always(self) -> None:
        """Every tool is asked about again."""
        self._always = frozenset()
        self._settings.remove(ALWAYS_KEY)

    def drop_open(self) -> None:
        """Stop: every open question is answered "no" (the loop, seeing the turn stopped, runs nothing)."""
        with self._lock:
            waiting = list(self._open)
        for request in waiting:
            self.decide(request, Decision.DENY)

    def close(self) -> None:
        self._closed = True
        self.drop_open()


def pretty_arguments(arguments: dict[str, Any] | str) -> str:
    """The arguments as a person reads them: indented JSON (the model's raw text when it is not)."""
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False, indent=2)


class ApprovalCard(QFrame):
    """The question in the answer: which tool, with what, and the three answers (by keyboard: the
    arguments take the focus, Tab moves on to the buttons, Space presses one)."""

    sig_decided = Signal(object)  # Decision

    def __init__(self, request: ApprovalRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolApproval")
        self.request = request
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("Tool call waiting for your approval"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_S, SPACE_S, SPACE_S, SPACE_S)
        layout.setSpacing(SPACE_XS)
        self.title = QLabel(self.tr("gpt-oss wants to use the tool {name}").format(name=request.name))
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a tool's name comes from a server
        self.title.setWordWrap(True)
        self.title.setObjectName("toolApprovalTitle")
        layout.addWidget(self.title)
        self.arguments = QPlainTextEdit(pretty_arguments(request.arguments))
        self.arguments.setObjectName("toolArguments")
        self.arguments.setReadOnly(True)
        self.arguments.setAccessibleName(self.tr("Arguments of the call"))
        self.arguments.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.arguments.setTabChangesFocus(True)  # Tab goes on to the buttons
        lines = min(ARGUMENT_LINES, max(1, self.arguments.toPlainText().count("\n") + 1))
        self.arguments.setFixedHeight(int((lines + 1) * self.arguments.fontMetrics().lineSpacing()) + 8)
        layout.addWidget(self.arguments)
        self.allow_once = QPushButton(self.tr("Allow once"))
        self.allow_always = QPushButton(self.tr("Always allow this tool"))
        self.deny = QPushButton(self.tr("Deny"))
        self.allow_once.setAccessibleName(self.tr("Allow this call once"))
        self.allow_always.setAccessibleName(self.tr("Always allow {name}").format(name=request.name))
        self.deny.setAccessibleName(self.tr("Deny this call"))
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACE_S)
        for button, decision in ((self.allow_once, Decision.ONCE), (self.allow_always, Decision.ALWAYS),
                                 (self.deny, Decision.DENY)):
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.clicked.connect(lambda _checked=False, d=decision: self._decide(d))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.outcome = QLabel()
        self.outcome.setObjectName("messageStatus")
        self.outcome.hide()
        layout.addWidget(self.outcome)
        QWidget.setTabOrder(self.allow_once, self.allow_always)
        QWidget.setTabOrder(self.allow_always, self.deny)

    def _decide(self, decision: Decision) -> None:
        self.sig_decided.emit(decision)

    def show_answer(self, decision: Decision, stopped: bool = False) -> None:
        """The question is answered: the buttons go, one line says what was decided."""
        for button in (self.allow_once, self.allow_always, self.deny):
            button.hide()
        text = (self.tr("Stopped: the call was not run.") if stopped
                else self.tr("Allowed once.") if decision is Decision.ONCE
                else self.tr("Always allowed: later calls of this tool run without asking.")
                if decision is Decision.ALWAYS else self.tr("Denied: the model was told so."))
        self.outcome.setText(text)
        self.outcome.show()
        self.setAccessibleName(self.tr("Tool call: {outcome}").format(outcome=text))
