"""Tools in the window's chat, as a person uses them: the real window offscreen, the scripted model
on real llama.cpp (a question with " clock" makes it call the MCP time server's tool), and the real
`mcp-server-time` from PyPI set up in mcp.json. Each call waits for the person in the answer."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from desktop.context import AppContext
from desktop.tools import mcp_config
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.tool_approval import ALWAYS_KEY, ApprovalCard
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    AFTER_TOOL,
    BROWSE_TRIGGER,
    TIME_TRIGGER,
    scripted_gpt_oss,
)
from tests.ui.qt_helpers import window_with_model

BIN = Path(sys.executable).parent
QUESTION = f"What does the{TIME_TRIGGER} say in Paris?"
TOOL = "time__get_current_time"


@pytest.fixture
def window(qtbot, scripted_gpt_oss: Path) -> Iterator[MainWindow]:
    ctx = AppContext.load()
    mcp_config.save(ctx.paths.config_dir / mcp_config.FILE_NAME, {"time": mcp_config.ServerConfig(
        "time", str(BIN / "mcp-server-time"), ("--local-timezone", "UTC"))})
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(scripted_gpt_oss)))
    window = window_with_model(qtbot, ctx)
    yield window
    window.close()


def _ask(qtbot, window: MainWindow, question: str = QUESTION) -> None:
    window.chat.input.setPlainText(question)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)


def _card(qtbot, window: MainWindow) -> ApprovalCard:
    qtbot.waitUntil(lambda: any(c.allow_once.isVisible() for c in window.chat.findChildren(ApprovalCard)),
                    timeout=30_000)
    [card] = [c for c in window.chat.findChildren(ApprovalCard) if c.allow_once.isVisible()]
    return card


def _wait_done(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.chat.conversation_id is not None and not window.engine.busy
                    and window.store.messages(window.chat.conversation_id)[-1].status != "partial",
                    timeout=30_000)


def _shown(window: MainWindow) -> AssistantMessage:
    return window.chat.findChildren(AssistantMessage)[-1]


def test_allow_once_runs_the_call_and_the_step_stays_with_the_answer(qtbot, window: MainWindow) -> None:
    toggle = window.chat.composer.use_tools
    qtbot.waitUntil(lambda: toggle.text() == "Tools (2)", timeout=30_000)  # the time server's two tools
    assert toggle.isVisible() and toggle.isChecked()
    _ask(qtbot, window)
    card = _card(qtbot, window)
    # The question is in the answer, with the call's arguments as pretty JSON (plain text).
    assert TOOL in card.title.text()
    assert card.arguments.toPlainText() == '{\n  "timezone": "Europe/Paris"\n}'
    assert card.arguments.isReadOnly() and card.title.textFormat() == Qt.TextFormat.PlainText
    assert _shown(window).card.isAncestorOf(card)
    assert window.engine.busy and window.chat.send_button.text() == "Stop"  # the window is not blocked
    # By keyboard: the arguments have the focus (a key pressed by chance runs nothing), Tab, Space.
    qtbot.waitUntil(card.arguments.hasFocus, timeout=2_000)
    qtbot.keyClick(card.arguments, Qt.Key.Key_Space)
    assert not card.request.answered.is_set()
    qtbot.keyClick(card.arguments, Qt.Key.Key_Tab)
    assert card.allow_once.hasFocus()
    qtbot.keyClick(card.allow_once, Qt.Key.Key_Space)
    _wait_done(qtbot, window)

    conversation = window.chat.conversation_id
    saved = window.store.messages(conversation)[-1]
    [step] = saved.tool_steps
    assert (step["name"], step["arguments"], step["status"]) == (TOOL, {"timezone": "Europe/Paris"}, "ok")
    assert json.loads(step["result"])["timezone"] == "Europe/Paris"
    assert (saved.text, saved.status, saved.reasoning) == (AFTER_TOOL.answer, "complete", "They ask the time.")
    shown = _shown(window)
    assert shown.answer_text == AFTER_TOOL.answer
    assert shown.tool_steps.isVisibleTo(shown) and f"1. {TOOL}: ran" in shown.tool_steps.text
    assert shown.tool_steps.header.text() == "Tool steps (1)"
    assert '"timezone": "Europe/Paris"' in shown.tool_steps.text and step["result"] in shown.tool_steps.text
    assert not window.chat.findChildren(ApprovalCard)  # answered questions leave the answer

    # Opened again, the chat shows the step; the export has it.
    window.chat.new_conversation()
    window.chat.open_conversation(conversation)
    qtbot.waitUntil(lambda: window.chat.conversation_id == conversation and len(
        window.chat.findChildren(AssistantMessage)) == 1 and _shown(window).answer_text == AFTER_TOOL.answer,
        timeout=10_000)
    assert f"1. {TOOL}: ran" in _shown(window).tool_steps.text
    markdown = window.store.export_markdown(conversation)
    assert f"**Tool step 1: {TOOL}** (ok)" in markdown
    assert json.loads(window.store.export_json(conversation))["messages"][-1]["tool_steps"] == [step]


def test_deny_tells_the_model_and_the_answer_still_comes(qtbot, window: MainWindow) -> None:
    _ask(qtbot, window)
    card = _card(qtbot, window)
    card.deny.click()
    _wait_done(qtbot, window)
    saved = window.store.messages(window.chat.conversation_id)[-1]
    assert [s["status"] for s in saved.tool_steps] == ["denied"]
    assert saved.text == AFTER_TOOL.answer
    # What the model read back: the refusal, as the tool's answer to its call.
    assert (f"<|start|>functions.{TOOL} to=assistant<|channel|>commentary<|message|>"
            "Error: the person did not allow this call.") in window.chat.last_prompt
    assert f"1. {TOOL}: denied" in _shown(window).tool_steps.text

    # With Tools off for this chat, the model's call is not run and nobody is asked.
    window.chat.composer.use_tools.setChecked(False)
    assert window.store.get(window.chat.conversation_id).settings["use_tools"] is False
    _ask(qtbot, window, "And now?")
    _wait_done(qtbot, window)
    latest = window.store.messages(window.chat.conversation_id)[-1]
    assert (latest.finish_reason, latest.tool_steps, latest.text) == ("tool_calls", [], "")
    assert not window.chat.findChildren(ApprovalCard)


def test_stop_while_a_call_waits_runs_nothing(qtbot, window: MainWindow) -> None:
    _ask(qtbot, window)
    _card(qtbot, window)
    window.chat.send_button.click()  # Stop
    _wait_done(qtbot, window)
    saved = window.store.messages(window.chat.conversation_id)[-1]
    [step] = saved.tool_steps
    assert (step["status"], step["result"]) == ("cancelled", "Error: the person stopped the turn.")
    assert (saved.status, saved.text, saved.finish_reason) == ("cancelled", "", "cancelled")
    shown = _shown(window)
    assert shown.status.text().startswith("stopped") and f"1. {TOOL}: stopped" in shown.tool_steps.text
    assert not window.engine.busy and window.chat.send_button.text() == "Send"
    assert not window.chat.findChildren(ApprovalCard)  # the question went with the turn


def test_always_allow_is_remembered_for_that_tool(qtbot, window: MainWindow) -> None:
    _ask(qtbot, window)
    _card(qtbot, window).allow_always.click()
    _wait_done(qtbot, window)
    # The next call of that tool runs without a question (the scripted model calls it again).
    _ask(qtbot, window, "Once more?")
    _wait_done(qtbot, window)
    assert not window.chat.findChildren(ApprovalCard)
    answers = [m for m in window.store.messages(window.chat.conversation_id) if m.role == "assistant"]
    assert [[s["status"] for s in a.tool_steps] for a in answers] == [["ok"], ["ok"]]
    state = QSettings(str(window.hub.ctx.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
    assert TOOL in (state.value(ALWAYS_KEY) or [])
    toggle = window.chat.composer.use_tools
    assert f"Always allowed: {TOOL}" in toggle.toolTip()

    # Taken back from the switch's menu: the next call is put to the person again.
    toggle.forget_action.trigger()
    assert "Always allowed" not in toggle.toolTip() and not toggle.forget_action.isEnabled()
    assert not QSettings(str(window.hub.ctx.paths.config_dir / "window.ini"),
                         QSettings.Format.IniFormat).value(ALWAYS_KEY)
    _ask(qtbot, window, "And again?")
    _card(qtbot, window).deny.click()
    _wait_done(qtbot, window)
    assert window.store.messages(window.chat.conversation_id)[-1].tool_steps[0]["status"] == "denied"


def test_let_the_model_browse_the_library(qtbot, tmp_path: Path, scripted_gpt_oss: Path, tiny_bert_gguf: Path) -> None:
    """Library use "Let the model browse": the model searches and opens the documents itself, no one
    is asked (it only reads the library), its citation becomes source [1] and the steps are saved."""
    doc = tmp_path / "heat-pump.md"
    doc.write_text("# Heat pump\n\nIn winter the defrost cycle runs every 90 minutes and the fan stops while it "
                   "runs.\n\nSteam from the outdoor unit is normal.\n", encoding="utf-8")
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(scripted_gpt_oss))
                        .with_section("library", embedding_model_path=str(tiny_bert_gguf), mode="browse"))
    window = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.engine.model is not None and window.library_service.library is not None,
                        timeout=30_000)
        assert not window.chat.composer.use_tools.isVisible()  # no MCP server set up: no Tools switch
        window.library.add_paths([str(doc)])
        qtbot.waitUntil(lambda: "1 documents" in window.chat.use_library.text(), timeout=60_000)
        _ask(qtbot, window, f"What does the heat pump{BROWSE_TRIGGER} say about defrost?")
        _wait_done(qtbot, window)
        assert not window.chat.findChildren(ApprovalCard)
        saved = window.store.messages(window.chat.conversation_id)[-1]
        assert saved.text == "Defrost runs every 90 minutes [1]" and saved.sources[0]["path"] == str(doc)
        assert [(s["name"], s["status"]) for s in saved.tool_steps] == [("browser.search", "ok"),
                                                                         ("browser.open", "ok")]
        shown = _shown(window)
        assert "1. browser.search: ran" in shown.tool_steps.text and "2. browser.open: ran" in shown.tool_steps.text
        assert shown.sources_label.isVisible() and "heat-pump.md" in shown.sources_label.text()
        assert "<source" not in window.chat.last_prompt  # nothing pasted in: the model read it itself

        # A server set up while the window is open (Settings → Tools writes mcp.json) is there for the next chat.
        mcp_config.save(ctx.paths.config_dir / mcp_config.FILE_NAME, {"time": mcp_config.ServerConfig(
            "time", str(BIN / "mcp-server-time"), ("--local-timezone", "UTC"))})
        window.chat.new_conversation()
        toggle = window.chat.composer.use_tools
        qtbot.waitUntil(lambda: toggle.isVisible() and toggle.text() == "Tools (2)", timeout=30_000)
    finally:
        window.close()


def test_a_server_that_crashes_is_a_failed_step_and_the_chat_goes_on(qtbot, scripted_gpt_oss: Path) -> None:
    ctx = AppContext.load()
    root = str(Path(__file__).parents[2])
    mcp_config.save(ctx.paths.config_dir / mcp_config.FILE_NAME, {"time": mcp_config.ServerConfig(
        "time", sys.executable, ("-m", "tests.fixtures.misbehaving_mcp_server"),
        {"MISBEHAVE": "crash", "PYTHONPATH": root})})
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(scripted_gpt_oss)))
    window = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.engine.model is not None, timeout=15_000)
        _ask(qtbot, window)
        _card(qtbot, window).allow_once.click()
        _wait_done(qtbot, window)
        saved = window.store.messages(window.chat.conversation_id)[-1]
        [step] = saved.tool_steps
        assert step["status"] == "error" and "the MCP server 'time' exited or broke the connection" in step["result"]
        assert (saved.status, saved.text) == ("complete", AFTER_TOOL.answer)
        assert f"1. {TOOL}: failed" in _shown(window).tool_steps.text
    finally:
        window.close()


def test_a_broken_mcp_file_is_said_and_the_chat_answers_without_tools(qtbot, scripted_gpt_oss: Path) -> None:
    ctx = AppContext.load()
    (ctx.paths.config_dir / mcp_config.FILE_NAME).parent.mkdir(parents=True, exist_ok=True)
    (ctx.paths.config_dir / mcp_config.FILE_NAME).write_text('{"mcpServers": {"time": {"args": []}}}')
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(scripted_gpt_oss)))
    window = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.engine.model is not None, timeout=15_000)
        toggle = window.chat.composer.use_tools  # in sight, off, saying why
        qtbot.waitUntil(lambda: toggle.text() == "Tools (unavailable)", timeout=5_000)
        assert toggle.isVisible() and not toggle.isEnabled()
        assert 'server \'time\' needs either a "command" or a "url".' in toggle.toolTip()
        _ask(qtbot, window)
        _wait_done(qtbot, window)
        saved = window.store.messages(window.chat.conversation_id)[-1]
        assert (saved.finish_reason, saved.tool_steps) == ("tool_calls", [])  # the call was not run
    finally:
        window.close()


def test_with_a_remote_engine_allow_once_runs_the_call_and_the_server_reads_its_result(qtbot) -> None:
    """The tool loop on an OpenAI-compatible server (scripted, on 127.0.0.1): the call is put to the
    person in the answer, runs on the real time server, and goes back to the engine as a `tool`
    message; the engine's answer quotes it."""
    from tests.remote.servers import AFTER_TOOL, scripted_engine

    with scripted_engine("tool_call", model="gpt-oss-120b", tool_call=(TOOL, '{"timezone": "Europe/Paris"}')) as engine:
        ctx = AppContext.load()
        mcp_config.save(ctx.paths.config_dir / mcp_config.FILE_NAME, {"time": mcp_config.ServerConfig(
            "time", str(BIN / "mcp-server-time"), ("--local-timezone", "UTC"))})
        ctx.update_settings(ctx.settings.with_section("model", engine="remote", remote_url=engine.url,
                                                      remote_model="gpt-oss-120b"))
        window = MainWindow(SettingsHub(ctx))
        qtbot.addWidget(window)
        window.show()
        try:
            qtbot.waitUntil(lambda: window.engine.remote is not None and window.engine.model is not None,
                            timeout=30_000)
            _ask(qtbot, window)
            card = _card(qtbot, window)
            assert TOOL in card.title.text() and card.arguments.toPlainText() == '{\n  "timezone": "Europe/Paris"\n}'
            card.allow_once.click()
            _wait_done(qtbot, window)
            saved = window.store.messages(window.chat.conversation_id)[-1]
            [step] = saved.tool_steps
            assert (step["name"], step["status"]) == (TOOL, "ok")
            assert json.loads(step["result"])["timezone"] == "Europe/Paris"
            assert (saved.status, saved.text) == ("complete", AFTER_TOOL + step["result"])
            shown = _shown(window)
            assert shown.answer_text == saved.text
            assert f"1. {TOOL}: ran" in shown.tool_steps.text and shown.tool_steps.header.text() == "Tool steps (1)"
            assert not window.chat.findChildren(ApprovalCard)
            # What the engine got: the tools, then the call and its result, paired by id.
            first, second = engine.bodies[-2:]
            assert TOOL in {t["function"]["name"] for t in first["tools"]}
            call, result = second["messages"][-2:]
            assert result == {"role": "tool", "tool_call_id": call["tool_calls"][0]["id"], "name": TOOL,
                              "content": step["result"]}
        finally:
            window.close()


def test_steps_are_listed_as_plain_text_with_long_results_cut() -> None:
    from desktop.ui.chat_tools import RESULT_SHOWN_CHARS, steps_text

    text = steps_text([{"name": "files__read", "arguments": "not json {", "status": "error",
                        "result": "<b>bold?</b>" + "x" * 10_000}])
    assert text.startswith("1. files__read: failed\nArguments:\nnot json {\nResult:\n<b>bold?</b>")
    assert text.endswith("… (10,012 characters in all)") and len(text) < RESULT_SHOWN_CHARS + 100
