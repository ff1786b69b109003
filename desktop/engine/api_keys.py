"""API keys of remote engines: in the OS keychain where there is one, else in a 0600 file.

One key per engine base URL (and, kept apart the same way, one token per Milvus server URI). The keychain (macOS Keychain, Windows Credential Locker, the Secret
Service on Linux, through `keyring`) keeps keys out of the settings file, which people copy and
share. A machine without a usable keychain (a headless Linux box, no D-Bus) falls back to a JSON
file that only its owner can read; `where` says which one holds a key.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

SERVICE = "gpt-oss-desktop remote engine"
FILE_NAME = "remote_engine_keys.json"
LIBRARY_SERVICE = "gpt-oss-desktop library server"
LIBRARY_FILE_NAME = "library_server_tokens.json"


class ApiKeys:
    def __init__(self, config_dir: Path, *, service: str = SERVICE, file_name: str = FILE_NAME) -> None:
        self.file = config_dir / file_name
        self.service = service

    @classmethod
    def for_library(cls, config_dir: Path) -> ApiKeys:
        """The tokens of Milvus servers (same keychain, its own entry name and fallback file)."""
        return cls(config_dir, service=LIBRARY_SERVICE, file_name=LIBRARY_FILE_NAME)

    def get(self, base_url: str) -> str | None:
        url = _key(base_url)
        try:
            import keyring

            secret = keyring.get_password(self.service, url)
            if secret:
                return secret
        except Exception:  # noqa: BLE001 - no keychain here (keyring raises its own kinds); use the file
            log.debug("keychain unavailable for reading", exc_info=True)
        return self._read().get(url)

    def where(self, base_url: str) -> str | None:
        """Where the key of `base_url` is kept: "keychain", the file's path, or None."""
        if not self.get(base_url):
            return None
        return str(self.file) if _key(base_url) in self._read() else "keychain"

    def set(self, base_url: str, api_key: str) -> str:
        """Keep the key; returns where: "keychain" or the file's path."""
        url = _key(base_url)
        try:
            import keyring

            keyring.set_password(self.service, url, api_key)
        except Exception:  # noqa: BLE001 - see get()
            log.debug("keychain unavailable for writing", exc_info=True)
        else:
            self._write({k: v for k, v in self._read().items() if k != url})  # one copy only
            return "keychain"
        keys = self._read()
        keys[url] = api_key
        self._write(keys)
        return str(self.file)

    def delete(self, base_url: str) -> None:
        url = _key(base_url)
        try:
            import keyring

            keyring.delete_password(self.service, url)
        except Exception:  # noqa: BLE001 - not there, or no keychain
            log.debug("no key to delete in the keychain", exc_info=True)
        keys = self._read()
        if keys.pop(url, None) is not None:
            self._write(keys)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, keys: dict[str, str]) -> None:
        if not keys and not self.file.exists():
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        temp = self.file.with_suffix(".tmp")
        # Created 0600 from the start: the key is never readable by others, not even briefly.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(keys, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o600)  # an older temp file may have had other bits
        os.replace(temp, self.file)


def _key(base_url: str) -> str:
    return base_url.strip().rstrip("/")
