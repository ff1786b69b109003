"""What a bench is doing, on stderr, and the time limit that keeps every bench bounded.

A bench that prints nothing for minutes cannot be told from a hung one (a 2,048-token decode
bench once ran 9 minutes silently on a GPU, all of it in a comparison path). Every bench notes
each step here and checks its limit between steps; a step itself is bounded by its parameters.
"""

from __future__ import annotations

import sys
import time

from desktop.core.errors import UserError

DEFAULT_LIMIT_S = 900.0


class BenchProgress:
    def __init__(self, part: str, limit_s: float = DEFAULT_LIMIT_S, quiet: bool = False) -> None:
        self.part = part
        self.limit_s = limit_s
        self.quiet = quiet
        self._started = time.monotonic()

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._started

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.limit_s - self.elapsed_s)

    def note(self, message: str) -> None:
        """One line on stderr, then a check of the time limit (so a bench stops between steps)."""
        if not self.quiet:
            print(f"[bench {self.part} {self.elapsed_s:6.1f} s] {message}", file=sys.stderr, flush=True)
        self.check()

    def check(self) -> None:
        if self.elapsed_s > self.limit_s:
            raise UserError(f"bench {self.part} stopped: it ran past its time limit of {self.limit_s:.0f} s "
                            "(--time-limit); use fewer runs or tokens, or a longer limit.")
