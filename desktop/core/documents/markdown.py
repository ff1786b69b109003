"""Markdown: one segment per heading section, spans into the file's own text.

Headings are found line by line (ATX `#` and setext underlines), skipping fenced code blocks so
a `# comment` in a shell snippet is not mistaken for a heading. The heading trail
("Install > Linux") travels with every chunk of the section.
"""

from __future__ import annotations

import re
from pathlib import Path

from desktop.core.documents.model import Document, DocumentError, Segment
from desktop.core.documents.text import read_text_file

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def load_markdown(path: Path) -> Document:
    text = read_text_file(path)
    if not text.strip():
        raise DocumentError("no text in file (only whitespace)")
    return Document(path=path, kind="markdown", text=text, segments=markdown_segments(text))


def markdown_segments(text: str) -> list[Segment]:
    headings = list(_headings(text))  # (offset of the heading's first line, level, title)
    segments: list[Segment] = []
    trail: list[tuple[int, str]] = []
    starts = [0] + [offset for offset, _, _ in headings]
    titles: list[str | None] = [None]
    for _, level, title in headings:
        while trail and trail[-1][0] >= level:
            trail.pop()
        trail.append((level, title))
        titles.append(" > ".join(t for _, t in trail))
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        if text[start:end].strip():
            segments.append(Segment(start, end, heading=titles[i]))
    return segments


def _headings(text: str):
    offset = 0
    fence: str | None = None
    previous: tuple[int, str] | None = None  # (offset, line) of the last plain text line
    front_matter = text.startswith("---\n") or text.startswith("---\r\n")
    for number, line in enumerate(text.splitlines(keepends=True)):
        stripped = line.rstrip("\r\n")
        fence_match = _FENCE.match(stripped)
        if front_matter:
            # YAML front matter: its closing "---" would otherwise read as a setext underline.
            front_matter = number == 0 or stripped != "---"
        elif fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
        elif fence_match:
            fence = fence_match.group(1)
            previous = None
        elif (m := _ATX.match(stripped)) is not None:
            yield offset, len(m.group(1)), (m.group(2) or "").strip()
            previous = None
        elif previous is not None and _SETEXT.match(stripped):
            yield previous[0], 1 if stripped.strip()[0] == "=" else 2, previous[1].strip()
            previous = None
        elif stripped.strip() and not stripped.startswith(("    ", "\t")):
            previous = (offset, stripped)
        else:
            previous = None
        offset += len(line)
