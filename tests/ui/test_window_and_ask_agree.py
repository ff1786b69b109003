"""The window and `ask --json` are two clients of one turn lifecycle: for the same scripted turn
they show and save the same reasoning, answer, commentary, token counts and finish reason.

Real llama.cpp on the scripted model (its weights write whole harmony turns), the real window
offscreen, `ask` as a subprocess on its own data folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage
from desktop.ui.settings_hub import SettingsHub
from tests.fixtures.scripted_chat_model import (  # noqa: F401  (scripted_gpt_oss: session fixture)
    MALFORMED,
    MALFORMED_TRIGGER,
    PLAIN,
    TOOL_CALL,
    TOOL_TRIGGER,
    scripted_gpt_oss,
)


def _ask(question: str, model: Path, home: Path) -> dict:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "desktop", "ask", question, "--model", str(model), "--json",
                           "--no-library"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("question", "script"), [
    ("Hello?", PLAIN),
    (f"What is the{TOOL_TRIGGER} in Paris?", TOOL_CALL),
    (f"Is this a{MALFORMED_TRIGGER}?", MALFORMED),
], ids=["answer", "tool_call", "malformed_header"])
def test_the_window_and_ask_give_the_same_turn(qtbot, scripted_gpt_oss: Path, tmp_path: Path,
                                               question: str, script) -> None:
    cli = _ask(question, scripted_gpt_oss, tmp_path / "cli-home")

    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(scripted_gpt_oss)))
    window = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.engine.model is not None, timeout=15_000)
        window.chat.input.setPlainText(question)
        qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.chat.conversation_id is not None and not window.engine.busy
                        and window.store.messages(window.chat.conversation_id)[-1].status != "streaming",
                        timeout=30_000)
        saved = window.store.messages(window.chat.conversation_id)[-1]
        shown = window.chat.findChildren(AssistantMessage)[-1]
    finally:
        window.close()

    # What each client reports is the script, and the same for both.
    assert (cli["reasoning"], cli["answer"], cli["commentary"]) == (script.reasoning, script.answer,
                                                                    script.commentary)
    assert (saved.reasoning, saved.text, saved.commentary) == (cli["reasoning"], cli["answer"], cli["commentary"])
    assert saved.finish_reason == cli["finish_reason"]
    assert saved.stats["tokens"] == cli["usage"]["completion_tokens"] == len(script.pieces)
    assert saved.stats["prompt_tokens"] == cli["usage"]["prompt_tokens"]
    # And the window shows what it saved: the answer, and the working (reasoning, then commentary).
    assert shown.answer_text == saved.text
    assert shown.reasoning_text.startswith(saved.reasoning) and saved.commentary in shown.reasoning_text
