"""MCP servers the person set up: `mcp.json` in the app's config folder.

The file has the shape other desktop apps use, so one can be imported as it is:
`{"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"], "env": {}}}}`; a server
reached over streamable HTTP has `{"url": "http://127.0.0.1:8000/mcp"}` instead of a command.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import UserError
from desktop.core.fsutil import atomic_write_text

FILE_NAME = "mcp.json"
# Function names are `{server}__{tool}`: a server's key is its name with other characters as "_".
_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")


@dataclass(frozen=True)
class ServerConfig:
    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict, hash=False)
    url: str = ""  # streamable HTTP instead of a command

    @property
    def key(self) -> str:
        """The prefix of its functions' names."""
        return function_key(self.name)

    def describe(self) -> str:
        return self.url or " ".join([self.command, *self.args])

    def as_json(self) -> dict[str, Any]:
        if self.url:
            return {"url": self.url}
        return {"command": self.command, "args": list(self.args), "env": dict(self.env)}


def function_key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def check_name(name: str, servers: dict[str, ServerConfig]) -> None:
    if not _NAME.match(name):
        raise UserError(f"Server name {name!r}: use letters, digits, '-' and '_' (at most 40), starting with a "
                        "letter or digit.")
    if name in servers:
        raise UserError(f"There is already a server named {name!r}; remove it first (mcp remove {name}).")
    clash = next((s.name for s in servers.values() if s.key == function_key(name)), None)
    if clash is not None:
        raise UserError(f"Server name {name!r} would give its tools the same names as {clash!r}'s; choose another.")


def load(path: Path) -> dict[str, ServerConfig]:
    """The servers in `path` (none when it does not exist); a broken file is a UserError."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path} is not a readable MCP configuration: {exc}") from exc
    return parse(data, str(path))


def parse(data: Any, origin: str) -> dict[str, ServerConfig]:
    entries = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise UserError(f"{origin} has no \"mcpServers\" object.")
    servers: dict[str, ServerConfig] = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise UserError(f"{origin}: server {name!r} is not an object.")
        check_name(name, servers)
        command, args, env, url = entry.get("command", ""), entry.get("args", []), entry.get("env") or {}, entry.get("url", "")
        if not (isinstance(command, str) and isinstance(url, str) and isinstance(args, list)
                and all(isinstance(a, str) for a in args) and isinstance(env, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
            raise UserError(f"{origin}: server {name!r} needs \"command\" (text), \"args\" (a list of text) and "
                            "\"env\" (text values), or \"url\".")
        if bool(command) == bool(url):
            raise UserError(f"{origin}: server {name!r} needs either a \"command\" or a \"url\".")
        if url and not url.startswith(("http://", "https://")):
            raise UserError(f"{origin}: server {name!r}: the url must start with http:// or https://.")
        servers[name] = ServerConfig(name, command, tuple(args), dict(env), url)
    return servers


def save(path: Path, servers: dict[str, ServerConfig]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"mcpServers": {name: server.as_json() for name, server in servers.items()}}
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
