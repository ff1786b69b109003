"""The local API's key: in the OS keychain where there is one, else in a file only its owner reads.

Qt-free. The key never goes in settings.json (people copy and share that file). One key per data
folder, so two app homes side by side keep their own. A machine without a usable keychain
(headless Linux, no D-Bus) keeps it in `config/local_api_key` created 0600.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

SERVICE = "gpt-oss-desktop local API"
FILE_NAME = "local_api_key"
KEY_PREFIX = "sk-local-"


def new_key() -> str:
    import secrets  # with hmac and base64: only when a key is made, not in the window's first frame

    return KEY_PREFIX + secrets.token_urlsafe(24)


class LocalApiKey:
    def __init__(self, config_dir: Path) -> None:
        self.file = Path(config_dir) / FILE_NAME
        self._account = str(Path(config_dir).resolve())
        self.where = ""  # "keychain" or the file's path, once a key was read or written

    def get(self) -> str | None:
        try:
            import keyring

            secret = keyring.get_password(SERVICE, self._account)
            if secret:
                self.where = "keychain"
                return secret
        except Exception:  # noqa: BLE001 - no keychain here (keyring raises its own kinds); use the file
            log.debug("keychain unavailable for reading", exc_info=True)
        try:
            secret = self.file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        self.where = str(self.file)
        return secret or None

    def get_or_create(self) -> str:
        return self.get() or self.regenerate()

    def regenerate(self) -> str:
        """A new key replaces the old one (clients holding the old key are refused from now on)."""
        key = new_key()
        try:
            import keyring

            keyring.set_password(SERVICE, self._account, key)
        except Exception:  # noqa: BLE001 - see get()
            log.debug("keychain unavailable for writing", exc_info=True)
        else:
            self.file.unlink(missing_ok=True)  # one copy only
            self.where = "keychain"
            return key
        self._write(key)
        self.where = str(self.file)
        return key

    def _write(self, key: str) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        temp = self.file.with_suffix(".tmp")
        # Created 0600 from the start: the key is never readable by others, not even briefly.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o600)  # an older temp file may have had other bits
        os.replace(temp, self.file)
