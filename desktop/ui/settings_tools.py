"""Settings → Tools: the MCP servers whose tools gpt-oss may call, kept in `mcp.json` (the shape
other desktop apps use, so their file can be imported as it is). Add, remove, import, and check:
a check starts every server on a worker, lists its tools and says in words why one did not start.
The same file is what `gpt-oss-desktop mcp ...` edits and `ask --tools` reads.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.errors import UserError
from desktop.tools import mcp_config
from desktop.tools.mcp_config import ServerConfig
from desktop.ui.tasks import run_in_background


def check_servers(servers: list[ServerConfig], log_dir: Path | None) -> dict[str, tuple[str, list[str]]]:
    """Start each server once: name -> (status, its tools' names). Runs on a worker."""
    from desktop.tools.mcp_client import McpTools  # the MCP SDK loads only when a check runs

    with McpTools(servers, log_dir=log_dir) as tools:
        statuses = tools.start()
        return {name: (statuses[name], [t.name for t in tools.servers[name].tools]) for name in statuses}


class AddServerDialog(QDialog):
    """Name and command line (or a streamable-HTTP URL), validated before anything is saved."""

    def __init__(self, servers: dict[str, ServerConfig], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add an MCP server"))
        self._servers = servers
        self.server: ServerConfig | None = None
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("e.g. time"))
        self.name.setAccessibleName(self.tr("Server name"))
        self.command = QLineEdit()
        self.command.setPlaceholderText(self.tr("e.g. uvx mcp-server-time, or http://127.0.0.1:8000/mcp"))
        self.command.setAccessibleName(self.tr("Command or URL"))
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Command or URL"), self.command)
        form.addRow(self.error)
        form.addRow(buttons)

    def _accept(self) -> None:
        name, line = self.name.text().strip(), self.command.text().strip()
        try:
            if not line:
                raise UserError(self.tr("Give the command that starts the server, or its URL."))
            if line.startswith(("http://", "https://")):
                entry: dict[str, object] = {"url": line}
            else:
                words = shlex.split(line)
                entry = {"command": words[0], "args": words[1:], "env": {}}
            self.server = mcp_config.parse({"mcpServers": {name: entry}}, self.tr("this server"))[name]
            mcp_config.check_name(name, self._servers)
        except (UserError, ValueError) as exc:  # ValueError: shlex on an unclosed quote
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()


class ToolsCard(QFrame):
    COLUMNS = 3  # name, command, status and tools

    def __init__(self, config_path: Path, log_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsSection")
        self._path = config_path
        self._log_dir = log_dir
        self._checked: dict[str, tuple[str, list[str]]] = {}
        self.setAccessibleName(self.tr("Tools"))
        body = QVBoxLayout(self)
        body.setContentsMargins(20, 14, 20, 16)
        title = QLabel(self.tr("Tools (MCP servers)"))
        title.setObjectName("sectionTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        body.addWidget(title)
        explain = QLabel(self.tr("MCP servers give gpt-oss tools: a clock, your files, git, and more. Every "
                                 "call is shown to you first and runs only if you allow it. The list is "
                                 "kept in mcp.json, the file other desktop apps use."))
        explain.setWordWrap(True)
        body.addWidget(explain)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Command or URL"), self.tr("Status")])
        self.table.setAccessibleName(self.tr("MCP servers"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(120)
        body.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add…"))
        self.add_button.setAccessibleName(self.tr("Add an MCP server"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected MCP server"))
        self.import_button = QPushButton(self.tr("Import mcp.json…"))
        self.import_button.setAccessibleName(self.tr("Import the servers of another app's mcp.json"))
        self.check_button = QPushButton(self.tr("Check servers"))
        self.check_button.setAccessibleName(self.tr("Start each server once and list its tools"))
        for button, slot in ((self.add_button, self.add_server), (self.remove_button, self.remove_selected),
                             (self.import_button, self._import_dialog), (self.check_button, self.check)):
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        body.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.addWidget(self.status)
        self.reload()

    # -- the list ------------------------------------------------------------------------------
    def servers(self) -> dict[str, ServerConfig]:
        return mcp_config.load(self._path)

    def reload(self) -> None:
        try:
            servers = self.servers()
        except UserError as exc:  # a hand-broken file: say so, change nothing
            self.status.setText(str(exc))
            servers = {}
        self.table.setRowCount(len(servers))
        for i, (name, server) in enumerate(servers.items()):
            status, tools = self._checked.get(name, (self.tr("not checked"), []))
            status = self.tr("ready") if status == "running" else status  # else the reason it did not start
            shown = status if not tools else self.tr("{status}: {tools}").format(status=status, tools=", ".join(tools))
            for column, text in enumerate((name, server.describe(), shown)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, column, item)
        self.remove_button.setEnabled(bool(servers))
        self.check_button.setEnabled(bool(servers))

    def _save(self, servers: dict[str, ServerConfig], message: str) -> None:
        mcp_config.save(self._path, servers)
        self.status.setText(message)
        self.reload()

    # -- actions ---------------------------------------------------------------------------------
    def add_server(self) -> None:
        try:
            servers = self.servers()
        except UserError as exc:
            self.status.setText(str(exc))
            return
        dialog = AddServerDialog(servers, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.server is not None:
            servers[dialog.server.name] = dialog.server
            self._save(servers, self.tr("Added {name}. Check servers to see its tools.").format(name=dialog.server.name))

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        if not rows:
            self.status.setText(self.tr("Select a server to remove."))
            return
        servers = self.servers()
        names = [self.table.item(r, 0).text() for r in rows]
        for name in names:
            servers.pop(name, None)
            self._checked.pop(name, None)
        self._save(servers, self.tr("Removed {names}.").format(names=", ".join(names)))

    def import_file(self, path: Path) -> None:
        try:
            incoming = mcp_config.load(path) if path.exists() else None
            if incoming is None:
                raise UserError(self.tr("{path} does not exist.").format(path=path))
            servers = self.servers()
            for name in incoming:
                mcp_config.check_name(name, servers)  # a clash is said before anything is written
                servers[name] = incoming[name]
        except UserError as exc:
            self.status.setText(str(exc))
            return
        self._save(servers, self.tr("Imported {n} server(s): {names}.").format(n=len(incoming), names=", ".join(incoming)))

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import an mcp.json"), str(Path.home()),
                                              self.tr("MCP configuration (*.json);;All files (*)"))
        if path:
            self.import_file(Path(path))

    def check(self) -> None:
        try:
            servers = list(self.servers().values())
        except UserError as exc:
            self.status.setText(str(exc))
            return
        self.check_button.setEnabled(False)
        self.status.setText(self.tr("Starting {n} server(s)…").format(n=len(servers)))
        run_in_background(lambda: check_servers(servers, self._log_dir),
                          on_done=self._checked_done, on_failed=self._check_failed)

    def _checked_done(self, result: dict[str, tuple[str, list[str]]]) -> None:
        if not isValid(self):
            return
        self._checked = result
        ready = sum(1 for status, _tools in result.values() if status == "running")
        self.status.setText(self.tr("{ready} of {n} server(s) started.").format(ready=ready, n=len(result)))
        self.reload()

    def _check_failed(self, message: str) -> None:
        if isValid(self):
            self.status.setText(message)
            self.check_button.setEnabled(True)
