"""Per-conversation KV caches on one llama.cpp context.

llama.cpp reuses the KV cache of the longest prompt prefix it still holds. With one context and
clients that alternate (two chats, the window and the API), each turn would find the other's
prompt there and re-read its whole conversation. Before a request of another conversation runs,
the cache is saved under the conversation it belongs to, and the new request's own saved cache
(if any) is put back: each conversation finds its prefix again.

Snapshots cost memory (gpt-oss-20b: ~25 KB per token for its 12 full-attention layers, the
sliding-window ones keep only their window: ~100 MB for a 4k-token conversation), so only the
most recent few are kept, within a byte budget.
"""

from __future__ import annotations

from collections import OrderedDict

from desktop.core.runtime import ChatRuntime, KvSnapshot

DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024
DEFAULT_MAX_SNAPSHOTS = 4


class ConversationCaches:
    """Used only on the engine thread that owns the runtime."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES, max_snapshots: int = DEFAULT_MAX_SNAPSHOTS) -> None:
        self.budget_bytes = budget_bytes
        self.max_snapshots = max_snapshots
        self._current: str | None = None  # whose prefix the context holds now (None: nobody's)
        self._saved: OrderedDict[str, KvSnapshot] = OrderedDict()  # least recently used first
        self.restored = 0  # how many times a saved cache was put back (for tests and benches)

    @property
    def saved_bytes(self) -> int:
        return sum(s.nbytes for s in self._saved.values())

    def switch_to(self, runtime: ChatRuntime, key: str | None) -> None:
        """Make the context hold `key`'s prefix, if one was saved; `None` runs on what is there."""
        if key is not None and key == self._current:
            return
        if self._current is not None:
            self._keep(self._current, runtime.snapshot_cache())
        self._current = key
        snapshot = self._saved.pop(key, None) if key is not None else None
        if snapshot is not None and runtime.restore_cache(snapshot):
            self.restored += 1

    def forget(self) -> None:
        """The model changed: no saved cache fits it."""
        self._current = None
        self._saved.clear()

    def _keep(self, key: str, snapshot: KvSnapshot) -> None:
        if not snapshot.tokens or snapshot.nbytes > self.budget_bytes:
            return
        self._saved[key] = snapshot
        self._saved.move_to_end(key)
        while len(self._saved) > self.max_snapshots or self.saved_bytes > self.budget_bytes:
            self._saved.popitem(last=False)
