"""Tools in the window's chat: which turns get them, the approval cards, and the steps in the answer.

A turn has tools when its chat has "Tools" on and MCP servers are set up (Settings → Tools), or
when the library is used and Settings → Library says "Let the model browse" (the browser only
reads the library, so its calls run without asking). With a remote engine the MCP tools work the
same (the calls go to the server as OpenAI `tools`, the results back as `tool` messages), but the
library is searched once instead of browsed: a server renders its own prompt, without the browser's
section. Such a turn runs as a ToolTurnSession; each
MCP call waits for the person's answer in a card inside the answer (tool_approval.py), and each
step done is listed, as plain text, in the answer's collapsible "Tool steps" block, between the
reasoning and the answer, live and when the chat is opened again.

The window's MCP servers start once, off the UI thread (when the window opens, if some are set up),
stay up for later turns, start again when mcp.json has changed (looked at with each chat opened and
each turn), and stop when the window closes.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QWidget

from desktop.core.errors import UserError
from desktop.tools import mcp_config
from desktop.tools.approval import Decision
from desktop.ui.message_widgets import announce
from desktop.ui.tool_approval import ApprovalBroker, ApprovalCard, ApprovalRequest, pretty_arguments

if TYPE_CHECKING:
    from desktop.engine.service import EngineService
    from desktop.engine.turn import TurnSession
    from desktop.tools.mcp_client import McpTools
    from desktop.ui.chat_composer import Composer
    from desktop.ui.engine_bridge import TurnRelay
    from desktop.ui.message_widgets import AssistantMessage
    from desktop.ui.settings_hub import SettingsHub

log = logging.getLogger(__name__)

RESULT_SHOWN_CHARS = 4_000  # of each result in the answer's steps; the export keeps all of it


def _tr(text: str) -> str:
    return QCoreApplication.translate("ChatTools", text)


def steps_text(steps: list[dict[str, Any]]) -> str:
    """The steps as plain text (names, arguments and results come from the model and the tools)."""
    words = {"ok": _tr("ran"), "error": _tr("failed"), "denied": _tr("denied"), "cancelled": _tr("stopped")}
    blocks = []
    for number, step in enumerate(steps, 1):
        result = str(step.get("result", ""))
        if len(result) > RESULT_SHOWN_CHARS:
            result = result[:RESULT_SHOWN_CHARS] + "\n" + _tr("… ({n} characters in all)").format(n=f"{len(result):,}")
        status = str(step.get("status", ""))
        blocks.append("\n".join([
            f"{number}. {step.get('name', '?')}: {words.get(status, status)}",
            _tr("Arguments:"), pretty_arguments(step.get("arguments", {})),
            _tr("Result:"), result]))
    return "\n\n".join(blocks)


def show_steps(message: AssistantMessage, steps: list[dict[str, Any]]) -> None:
    """List `steps` in the answer's "Tool steps" block (a saved answer, or one being written)."""
    if steps:
        message.tool_steps.step_count = len(steps)
        message.tool_steps.set_text(steps_text(steps))


class WindowTools:
    """The window's MCP servers, shared by its turns. Thread-safe: used from workers."""

    def __init__(self, config_path: Path, log_dir: Path | None) -> None:
        self.config_path = config_path
        self.log_dir = log_dir
        self._lock = threading.Lock()
        self._running: McpTools | None = None
        self._running_for: dict[str, dict[str, Any]] | None = None  # the configuration it was started with
        self.closed = False

    def servers(self) -> dict[str, mcp_config.ServerConfig]:
        """What mcp.json sets up now (a broken file: a UserError saying why)."""
        return mcp_config.load(self.config_path)

    def runner(self) -> tuple[McpTools | None, list[str]]:
        """The running servers for the configuration as it is now, started (or started again) if
        needed, and one line per server that could not start. Blocks: call it on a worker."""
        from desktop.tools.mcp_client import McpTools  # the MCP SDK loads with the first turn that uses it

        servers = self.servers()
        wanted = {name: server.as_json() for name, server in servers.items()}
        with self._lock:
            if self.closed:
                return None, []
            if self._running is not None and self._running_for == wanted:
                return self._running, []
            old, self._running, self._running_for = self._running, None, None
            if old is not None:
                old.close()
            if not servers:
                return None, []
            tools = McpTools(list(servers.values()), log_dir=self.log_dir)
            statuses = tools.start()
            self._running, self._running_for = tools, wanted
        problems = [_tr("The MCP server {name} is not available ({status}); its tools are left out.")
                    .format(name=name, status=status) for name, status in statuses.items() if status != "running"]
        return tools, problems

    def close(self) -> None:
        with self._lock:
            self.closed = True
            running, self._running = self._running, None
        if running is not None:
            running.close()


class ToolsToggle(QCheckBox):
    """Tools on or off for one chat (kept with the chat); shown when MCP servers are set up."""

    sig_chat_shown = Signal()  # a chat was opened (or a new one begun): time to look at mcp.json again
    sig_forget_always = Signal()  # the person takes back every "Always allow this tool"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Let gpt-oss use tools in this chat"))
        self.setChecked(True)  # a new chat has tools when there are some: each call is still asked
        self.always_allowed: frozenset[str] = frozenset()
        # Its context menu (right click, or the menu key) takes back "Always allow": ask every time again.
        self.forget_action = QAction(self.tr("Ask again before every tool call"), self)
        self.forget_action.triggered.connect(self.sig_forget_always)
        self.addAction(self.forget_action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self._tools: int | None = None
        self.set_available(0, None)

    def show_for(self, settings: dict[str, Any]) -> None:
        """A chat was opened: its own choice (on unless it said no)."""
        self.blockSignals(True)
        self.setChecked(bool(settings.get("use_tools", True)))
        self.blockSignals(False)
        self.sig_chat_shown.emit()

    @property
    def usable(self) -> bool:
        return self.isChecked() and self.isEnabled() and not self.isHidden()

    def set_broken(self, reason: str) -> None:
        """mcp.json cannot be read: the switch stays in sight, off, and says why."""
        self.setVisible(True)
        self.setEnabled(False)
        self.setText(self.tr("Tools (unavailable)"))
        self.setToolTip(self.tr("Tools cannot be used: {reason}").format(reason=reason))

    def set_available(self, servers: int, tools: int | None) -> None:
        """`tools`: how many the running servers offer (None: not started yet)."""
        self.setVisible(servers > 0)
        self.setEnabled(True)
        self.setText(self.tr("Tools ({n})").format(n=tools) if tools is not None else self.tr("Tools"))
        self._tools = tools
        self.show_always_allowed(self.always_allowed)

    def show_always_allowed(self, names: frozenset[str]) -> None:
        """The tools that run without asking, named in the tooltip (the menu takes them back)."""
        self.always_allowed = names
        tip = (self.tr("{n} tools from your MCP servers (Settings → Tools); each call is shown to you first and "
                       "runs only if you allow it").format(n=self._tools) if self._tools is not None
               else self.tr("Your MCP servers are starting (Settings → Tools)"))
        if names:
            tip += "\n" + self.tr("Always allowed: {names} (right-click to be asked again)").format(
                names=", ".join(sorted(names)))
        self.setToolTip(tip)
        self.forget_action.setEnabled(bool(names))


class ChatTools(QObject):
    """The Chat pane's side of tools: one per pane."""

    sig_status = Signal(str)
    _sig_counted = Signal(int, int)  # servers, tools (from a worker)

    def __init__(self, hub: SettingsHub, composer: Composer, parent: QWidget) -> None:
        super().__init__(parent)
        self._hub = hub
        self._composer = composer
        paths = hub.ctx.paths
        self.window_tools = WindowTools(paths.config_dir / mcp_config.FILE_NAME, paths.log_dir)
        self.broker = ApprovalBroker(QSettings(str(paths.config_dir / "window.ini"), QSettings.Format.IniFormat,
                                               self), self)
        self.broker.sig_asked.connect(self._ask)
        self.broker.sig_answered.connect(self._answered)
        composer.use_tools.show_always_allowed(self.broker.always_allowed)
        composer.use_tools.sig_forget_always.connect(self._forget_always)
        self._sig_counted.connect(self._counted)
        self._message: AssistantMessage | None = None  # the answer being written with tools
        self._cards: list[ApprovalCard] = []
        self._steps: list[dict[str, Any]] = []
        self._stopping = False
        self._relay: TurnRelay | None = None
        self._start_lock = threading.Lock()
        self._starting = self._start_again = False
        parent.installEventFilter(self)  # shown: watch its window, to stop the servers when it closes
        # Settings → Tools may have changed the servers: looked at when the window opens and with
        # each chat opened (starting them again only when mcp.json changed).
        composer.use_tools.sig_chat_shown.connect(self.refresh)
        QTimer.singleShot(0, self.refresh)

    # -- the servers ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show whether tools can be used; start the servers to count their tools, on a thread of
        their own (a server may take its whole start-up time: the shared workers stay free)."""
        try:
            count = len(self.window_tools.servers())
        except UserError as exc:
            self._composer.use_tools.set_broken(str(exc))
            self.sig_status.emit(str(exc))
            return
        toggle = self._composer.use_tools
        if not count or toggle.isHidden() or not toggle.isEnabled():  # a known count stays until counted anew
            toggle.set_available(count, None)
        if not count:
            return
        with self._start_lock:
            self._start_again = True
            if self._starting:
                return  # the running start looks at mcp.json once more when it ends
            self._starting = True
        threading.Thread(target=self._start, name="mcp-start", daemon=True).start()

    def _start(self) -> None:
        while True:
            with self._start_lock:
                if not self._start_again or self.window_tools.closed:
                    self._starting = False
                    return
                self._start_again = False
            try:
                tools, problems = self.window_tools.runner()
            except UserError as exc:  # mcp.json was changed meanwhile; the switch shows it at the next look
                tools, problems = None, [str(exc)]
            except Exception as exc:  # noqa: BLE001 - never silently: the status bar says it
                log.exception("MCP servers did not start")
                tools, problems = None, [_tr("The MCP servers could not be started: {reason}").format(reason=exc)]
            try:
                for problem in problems:
                    self.sig_status.emit(problem)
                self._sig_counted.emit(len(tools.servers) if tools else 0, len(tools.functions()) if tools else 0)
            except RuntimeError:  # the window was closed meanwhile
                return

    def _counted(self, servers: int, tools: int) -> None:
        self._composer.use_tools.set_available(servers, tools)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show and watched is self.parent():
            window = self.parent().window()  # type: ignore[union-attr]
            if window is not watched:
                window.installEventFilter(self)
        elif event.type() == QEvent.Type.Close and watched is not self.parent():
            self.close()
        return False

    def close(self) -> None:
        """The window closes: open questions are dropped, the servers stop (on a thread: it may take
        a few seconds, and the window is going)."""
        if self._relay is not None and not self._relay.done:
            self._relay.cancel()  # first: a question dropped now stops the turn, it is not a "no"
        self.broker.close()
        threading.Thread(target=self.window_tools.close, name="mcp-close", daemon=True).start()

    # -- a turn -----------------------------------------------------------------------------------
    def turn_options(self) -> dict[str, Any]:
        """What `EngineBridge.start_turn` takes from here for the next turn: the library's search
        (none when the model browses it) and, when the turn has tools, the session that runs them."""
        retrieve = self._composer.retriever()
        library = self._composer.library() if retrieve is not None else None
        browse = library is not None and self._hub.settings.library.mode == "browse"
        if browse and self._hub.settings.model.engine == "remote":
            # The browser's section goes in the system message, which a remote server renders itself.
            self.sig_status.emit(self.tr("Browsing the library works with the model on this computer: with the "
                                         "remote engine the library is searched once for this answer."))
            browse = False
        use_servers = self._composer.use_tools.usable
        if not browse and not use_servers:
            return {"retrieve": retrieve}
        window_tools, approve, status = self.window_tools, self.broker.approve, self.sig_status

        def make_session(service: EngineService, store: Any, conversation_id: int | None) -> TurnSession:
            # On the start_turn worker: starting the servers may take seconds.
            from desktop.engine.tool_turn import ToolTurnSession
            from desktop.engine.turn import TurnSession
            from desktop.tools.browser import LibraryBrowser
            from desktop.tools.runner import LocalFunctions

            runner, problems = window_tools.runner() if use_servers else (None, [])
            for problem in problems:
                status.emit(problem)
            browser = LibraryBrowser(library) if browse and library is not None else None
            if browser is None and (runner is None or not runner.functions()):
                return TurnSession(service, store, conversation_id)  # no tool could be started
            return ToolTurnSession(service, store, conversation_id, tools=runner or LocalFunctions({}),
                                   approve=approve, browser=browser)

        return {"retrieve": None if browse else retrieve, "make_session": make_session}

    def follow(self, relay: TurnRelay, message: AssistantMessage) -> None:
        """Show this turn's questions and steps in `message` (the answer being written)."""
        self._message, self._cards, self._steps, self._stopping = message, [], [], False
        self._relay = relay
        relay.sig_step.connect(self._step)
        for signal in (relay.sig_finished, relay.sig_cancelled, relay.sig_failed):
            signal.connect(lambda *_args, r=relay: self._ended(r))

    def stop(self) -> None:
        """Stop was pressed (after the turn was cancelled): the open question goes, nothing runs."""
        self._stopping = True
        self.broker.drop_open()

    def _ask(self, request: ApprovalRequest) -> None:
        message = self._message
        if message is None:  # no answer on screen to ask in: the call does not run
            self.broker.decide(request, Decision.DENY)
            return
        card = ApprovalCard(request)
        card.sig_decided.connect(lambda decision: self.broker.decide(request, decision))
        layout = message.card.layout()
        layout.insertWidget(layout.indexOf(message.answer), card)
        self._cards.append(card)
        message.set_status(self.tr("Waiting for you to allow or deny {name}").format(name=request.name))
        if not self._composer.input.toPlainText().strip():
            # Not while the person types the next question. The focus goes to the arguments, to be
            # read first (Tab reaches the answers): a key pressed by chance runs nothing.
            card.arguments.setFocus()
        announce(card, self.tr("gpt-oss wants to use the tool {name}. Allow once, always allow, or deny.")
                 .format(name=request.name))

    def _forget_always(self) -> None:
        self.broker.forget_always()
        self._composer.use_tools.show_always_allowed(self.broker.always_allowed)
        self.sig_status.emit(self.tr("Every tool call will be put to you again."))

    def _answered(self, request: ApprovalRequest) -> None:
        self._composer.use_tools.show_always_allowed(self.broker.always_allowed)
        for card in self._cards:
            if card.request is request:
                card.show_answer(request.decision, stopped=self._stopping)
        if self._message is not None:
            self._message.set_status("")

    def _step(self, step: Any) -> None:
        from dataclasses import asdict

        self._steps.append(asdict(step))
        self._drop_answered_cards()
        if self._message is not None:
            show_steps(self._message, self._steps)

    def _ended(self, relay: TurnRelay) -> None:
        message, self._message = self._message, None
        self._drop_answered_cards()
        session = relay.session
        steps = list(session.tool_steps) if session is not None else self._steps
        if message is not None:
            show_steps(message, steps)  # the finished answer's content was set anew: list them again

    def _drop_answered_cards(self) -> None:
        for card in [c for c in self._cards if c.request.answered.is_set()]:
            self._cards.remove(card)
            card.setParent(None)
            card.deleteLater()
