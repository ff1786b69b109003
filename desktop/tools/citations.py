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

# The trained form `【6†L9-L11】` / `【8†L3】`, tolerating `L9-11` and spaces.
CITATION = re.compile(r"\s?【\s*(\d+)\s*†\s*L(\d+)(?:\s*[-–]\s*L?(\d+))?\s*】")


def number_citations(answer: str, browser: LibraryBrowser, first_number: int = 1) -> tuple[str, list[Source]]:
    """The answer with `[n]` for each browser citation, and the sources those numbers name."""
    sources: list[Source] = []
    numbers: dict[tuple[str, int | None, str], int] = {}

    def replace(match: re.Match[str]) -> str:
        cursor, start = int(match.group(1)), int(match.group(2))
        end = int(match.group(3)) if match.group(3) else start
        cited = browser.cited(cursor, start, end)
        if cited is None:
            return ""
        origin, excerpt = cited
        key = (origin.path, origin.page, excerpt)
        n = numbers.get(key)
        if n is None:
            n = numbers[key] = first_number + len(sources)
            sources.append(Source(n=n, path=origin.path, page=origin.page, excerpt=excerpt, heading=origin.heading))
        return f" [{n}]"

    return CITATION.sub(replace, answer), sources
