"""HTML (and the XHTML inside EPUBs): visible text only, one segment per heading section.

Uses the standard library's tolerant `html.parser` (real tokenizer, no regex scraping, handles
broken markup and character references). Script, style and other invisible elements are skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from desktop.core.documents.model import Document, DocumentError, TextBuilder
from desktop.core.documents.text import read_text_file

_SKIP = {"script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object",
         "canvas", "select", "button"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "section", "article",
           "blockquote", "pre", "header", "footer", "nav", "aside", "figure", "figcaption",
           "main", "hr", "address", "details", "summary", "caption", "form", "fieldset",
           "body", "html", *_HEADINGS}
_VOID_SKIP = {"meta", "link", "base", "img", "input", "source", "track", "wbr", "col", "area",
              "embed", "param"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
# html.parser's start-tag regex keeps state per attribute: a 4 MB tag of bare attributes took 1 GB
# of memory (30 MB: 5 GB). Real tags this long are inline data (images), never text: skip them.
_MAX_TAG_CHARS = 64 * 1024


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str | None, list[str]]] = [(None, [])]
        self._trail: list[tuple[int, str]] = []
        self._line: list[str] = []
        self._skip_stack: list[str] = []
        self._skip_counts: Counter[str] = Counter()  # O(1) "is this tag open?" (see handle_endtag)
        self._pre = 0
        self._heading_level: int | None = None

    def parse_starttag(self, i: int) -> int:
        rawdata = self.rawdata
        if len(rawdata) - i > _MAX_TAG_CHARS and rawdata.find(">", i, i + _MAX_TAG_CHARS) < 0:
            end = rawdata.find(">", i + _MAX_TAG_CHARS)
            return len(rawdata) if end < 0 else end + 1
        return super().parse_starttag(i)

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        # CPython before 3.14 raises AssertionError on "<![" not followed by a keyword (found by
        # fuzzing: "<![<!doctype>"); HTML5 reads it as a bogus comment up to the next ">".
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i)

    # The parser calls these in document order.
    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _VOID_SKIP:
            return
        if tag == "body" and self._skip_stack[:1] == ["head"]:
            self._skip_stack.clear()  # <body> closes an unclosed <head>, as browsers do
            self._skip_counts.clear()
        if self._skip_stack or tag in _SKIP:
            self._skip_stack.append(tag)
            self._skip_counts[tag] += 1
            return
        if tag == "br":
            self._line.append("\n")
        elif tag in ("td", "th"):
            self._line.append("\t")
        elif tag in _HEADINGS:
            self._end_paragraph()
            self._heading_level = _HEADINGS[tag]
        elif tag in _BLOCKS:
            self._end_paragraph()
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag == "br" and not self._skip_stack:
            self._line.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_stack:
            # Pop to the matching tag; tolerate unclosed children inside skipped elements.
            # A counter, not `tag in stack`: 200k stray end tags inside an <svg> made that scan
            # quadratic (minutes for a 2 MB file).
            if self._skip_counts[tag]:
                while self._skip_stack:
                    popped = self._skip_stack.pop()
                    self._skip_counts[popped] -= 1
                    if popped == tag:
                        break
            return
        if tag in _HEADINGS and self._heading_level is not None:
            title = _SPACES.sub(" ", "".join(self._line)).strip()
            self._line = []
            level, self._heading_level = self._heading_level, None
            if title:
                while self._trail and self._trail[-1][0] >= level:
                    self._trail.pop()
                self._trail.append((level, title))
                self.sections.append((" > ".join(t for _, t in self._trail), [title]))
        elif tag in _BLOCKS:
            self._end_paragraph()
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        if self._skip_stack:
            return
        self._line.append(data if self._pre else _SPACES.sub(" ", data))

    def close(self) -> None:
        # What feed() left unparsed is an unterminated comment, declaration, tag or raw-text
        # element (or text ending in a cut character reference). Before CPython 3.13.4/3.12.11
        # close() re-scans the rest of the input once per leftover "<" (CVE-2025-6069: a 4 MB
        # file of "</" ran for minutes). HTML5 drops such constructs at end of file; so do we.
        leftover, self.rawdata = self.rawdata, ""
        if leftover and not self.cdata_elem and not leftover.startswith("<"):
            self.handle_data(unescape(leftover))
        super().close()
        self._end_paragraph()

    def _end_paragraph(self) -> None:
        if self._heading_level is not None:
            return  # a block inside a heading: keep collecting the heading's text
        raw = "".join(self._line)
        self._line = []
        lines = [line.strip() if not self._pre else line.rstrip() for line in raw.split("\n")]
        paragraph = "\n".join(line for line in lines if line.strip())
        if paragraph.strip():
            self.sections[-1][1].append(paragraph)


def html_sections(markup: str) -> list[tuple[str | None, str]]:
    """(heading trail, text) for each section of visible text, in document order."""
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    return [(heading, "\n\n".join(paragraphs)) for heading, paragraphs in parser.sections
            if paragraphs]


def load_html(path: Path) -> Document:
    builder = TextBuilder()
    for heading, text in html_sections(read_text_file(path)):
        builder.add(text, heading=heading)
    if not builder.segments:
        raise DocumentError("no visible text in this HTML file")
    return builder.build(path, "html")
