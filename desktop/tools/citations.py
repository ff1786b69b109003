"""The browser's citations in an answer, `【cursor†Lstart-Lend】`, become the app's numbered sources.

gpt-oss cites what it read through the browser tool by page (cursor) and line numbers. A person
wants what the rest of the app shows: `[1]` in the text and, under the answer, "manual.pdf p. 3"
that opens the document at that place. Each distinct cited passage gets the next number (the same
passage cited twice keeps its number); a mark that points at no page or line the model was shown
is dropped, since it opens nothing.
"""

from __future__ import annotations

import re

from desktop.core.rag import Source
from desktop.tools.browser import LibraryBrowser

# The trained form `【6†L9-L11】` / `【8†L3】`, tolerating `L9-11` and spaces; with the space before it.
CITATION = re.compile(r"(\s*)【\s*(\d+)\s*†\s*L(\d+)(?:\s*[-–]\s*L?(\d+))?\s*】")


class Citations:
    """Numbers the marks of one answer, in the order they come; `sources` are what they name."""

    def __init__(self, browser: LibraryBrowser, first_number: int = 1) -> None:
        self.browser = browser
        self.first_number = first_number
        self.sources: list[Source] = []
        self._numbers: dict[tuple[str, int | None, str], int] = {}
        self._last = ""  # the last character given out, for text that arrives in pieces

    def number(self, text: str) -> str:
        """`text` (the next part of the answer) with its marks as ` [n]`."""
        def replace(match: re.Match[str]) -> str:
            n = self._number(int(match.group(2)), int(match.group(3)), match.group(4))
            if n is None:
                return ""
            space = match.group(1)
            if not space and match.start() == 0 and (not self._last or self._last.isspace()):
                return f"[{n}]"  # the space came with the previous piece
            return f"{space or ' '}[{n}]"

        out = CITATION.sub(replace, text)
        if out:
            self._last = out[-1]
        return out

    def _number(self, cursor: int, start: int, end: str | None) -> int | None:
        cited = self.browser.cited(cursor, start, int(end) if end else start)
        if cited is None:
            return None
        origin, excerpt = cited
        key = (origin.path, origin.page, excerpt)
        n = self._numbers.get(key)
        if n is None:
            n = self._numbers[key] = self.first_number + len(self.sources)
            self.sources.append(Source(n=n, path=origin.path, page=origin.page, excerpt=excerpt,
                                       heading=origin.heading))
        return n


def number_citations(answer: str, browser: LibraryBrowser, first_number: int = 1) -> tuple[str, list[Source]]:
    """The answer with `[n]` for each browser citation, and the sources those numbers name."""
    citations = Citations(browser, first_number)
    return citations.number(answer), citations.sources


class CitationStream:
    """Citations for an answer that streams: marks become `[n]` as the text arrives.

    A mark cut between two pieces is held back until it closes (or is plainly not one), so the
    reader never sees half of it; the numbers are the ones the whole answer gets.
    """

    _LONGEST = 40  # a mark is short: an opening 【 with no close this far on is just text

    def __init__(self, browser: LibraryBrowser, first_number: int = 1) -> None:
        self._citations = Citations(browser, first_number)
        self._held = ""

    def feed(self, text: str) -> str:
        text = self._held + text
        cut = text.rfind("【")
        if not (cut >= 0 and "】" not in text[cut:] and len(text) - cut < self._LONGEST):
            cut = len(text)
        # Trailing spaces wait too: a mark that follows takes the space before it (or drops it).
        start = len(text[:cut].rstrip())
        text, self._held = text[:start], text[start:]
        return self._citations.number(text)

    def finish(self) -> str:
        text, self._held = self._held, ""
        return self._citations.number(text)
