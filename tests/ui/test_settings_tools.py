"""Settings → Tools offscreen: MCP servers added, checked (a real server from PyPI), imported and
removed, in the mcp.json that `gpt-oss-desktop mcp` and `ask --tools` use; bad input said in words."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.context import AppContext
from desktop.tools import mcp_config
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.settings_pane import SettingsPane
from desktop.ui.settings_tools import AddServerDialog, ToolsCard

TIME_SERVER = Path(sys.executable).with_name("mcp-server-time")


@pytest.fixture
def pane(qtbot) -> SettingsPane:
    widget = SettingsPane(SettingsHub(AppContext.load()))
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _card(pane: SettingsPane) -> ToolsCard:
    card = pane.sections["tools"]
    assert isinstance(card, ToolsCard)
    return card


def _fill_add_dialog(name: str, command: str) -> list[str]:
    """Answer the next Add dialog; returns the errors it showed before it was accepted or cancelled."""
    errors: list[str] = []

    def answer() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AddServerDialog) and w.isVisible())
        dialog.name.setText(name)
        dialog.command.setText(command)
        dialog._accept()
        if dialog.isVisible():  # refused: note why, then give up
            errors.append(dialog.error.text())
            dialog.reject()

    QTimer.singleShot(100, answer)
    return errors


def test_a_server_added_in_settings_is_checked_and_lists_its_tools(qtbot, pane: SettingsPane) -> None:
    card = _card(pane)
    assert card.table.rowCount() == 0 and not card.check_button.isEnabled()
    errors = _fill_add_dialog("time", f"{TIME_SERVER} --local-timezone UTC")
    card.add_button.click()
    assert errors == []
    saved = mcp_config.load(AppContext.load().paths.config_dir / mcp_config.FILE_NAME)
    assert saved["time"].command == str(TIME_SERVER) and saved["time"].args == ("--local-timezone", "UTC")
    assert card.table.item(0, 2).text() == "not checked"
    card.check_button.click()
    qtbot.waitUntil(lambda: "ready" in card.table.item(0, 2).text(), timeout=60_000)
    assert "get_current_time" in card.table.item(0, 2).text()
    assert card.status.text() == "1 of 1 server(s) started."


def test_bad_names_and_commands_are_refused_in_the_dialog(qtbot, pane: SettingsPane) -> None:
    card = _card(pane)
    for name, command, expected in (("bad name!", "uvx x", "use letters"), ("ok", "", "Give the command"),
                                    ("ok", 'uvx "unclosed', "quotation"), ("web", "uvx mcp-server-fetch", "")):
        errors = _fill_add_dialog(name, command)
        card.add_button.click()
        if expected:
            assert errors and expected in errors[0], (name, command, errors)
    assert card.table.rowCount() == 1  # only the valid one was saved
    errors = _fill_add_dialog("web", "uvx other")
    card.add_button.click()
    assert errors and "already a server named 'web'" in errors[0]


def test_a_server_that_cannot_start_says_why_and_import_and_remove_work(qtbot, pane: SettingsPane,
                                                                         tmp_path: Path) -> None:
    card = _card(pane)
    other_app = tmp_path / "claude_desktop_config.json"
    other_app.write_text(json.dumps({"mcpServers": {"broken": {"command": str(tmp_path / "no-such-server")},
                                                    "clock": {"command": str(TIME_SERVER), "args": []}}}))
    card.import_file(other_app)
    assert card.status.text() == "Imported 2 server(s): broken, clock."
    card.import_file(other_app)  # the same names again: refused before anything is written
    assert "already a server named 'broken'" in card.status.text()
    card.import_file(tmp_path / "missing.json")
    assert "does not exist" in card.status.text()
    card.check_button.click()
    qtbot.waitUntil(lambda: "started" in card.status.text(), timeout=60_000)
    rows = {card.table.item(r, 0).text(): card.table.item(r, 2).text() for r in range(card.table.rowCount())}
    assert rows["clock"].startswith("ready") and not rows["broken"].startswith(("ready", "not checked"))
    card.table.selectRow(0)
    card.remove_selected()
    assert card.table.rowCount() == 1 and card.status.text() == "Removed broken."


def test_a_broken_mcp_json_is_a_sentence_not_a_crash(qtbot) -> None:
    ctx = AppContext.load()
    path = ctx.paths.config_dir / mcp_config.FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    pane = SettingsPane(SettingsHub(ctx))
    qtbot.addWidget(pane)
    card = _card(pane)
    assert "is not a readable MCP configuration" in card.status.text()
    assert path.read_text() == "{not json"  # nothing overwritten
