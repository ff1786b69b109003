"""The library as gpt-oss's own `browser` tool: `search`, `open` and `find` over the person's documents.

gpt-oss was trained on a browser tool (openai/gpt-oss, `gpt_oss/tools/simple_browser`): it searches,
opens a result by its link id, scrolls, finds text in a page, and cites what it read as
`【cursor†Lstart-Lend】`. This is that tool with the local library in place of the web, showing
pages in the format the model read in training:

    [1] heat-pump.md (/home/me/docs/heat-pump.md)
    **viewing lines [0 - 12] of 40**

    L0: # Heat pump
    L1: ...

Search results are a page of their own whose links read `【id†document name】`; every call pushes a
page on the turn's stack and the cursor is its place there. A document's text comes from the
library's stored chunks, in order (overlaps joined), so nothing is read or parsed again and it all
works with the network unplugged. A mistake of the model (a bad cursor, a link id that is not on
the page) is a `BrowserError` whose one-line message goes back to the model, as the reference
tool's errors do.
"""

from __future__ import annotations

import bisect
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from desktop.tools.functions import FunctionTool, render_tools_section

NAMESPACE = "browser"
# openai/harmony's `ToolNamespaceConfig::browser()` description; only the `sources=` line is ours.
_DESCRIPTION = (
    "Tool for browsing.\n"
    "The `cursor` appears in brackets before each browsing display: `[{cursor}]`.\n"
    "Cite information from the tool using the following format:\n"
    "`【{cursor}†L{line_start}(-L{line_end})?】`, for example: `【6†L9-L11】` or `【8†L3】`.\n"
    "Do not quote more than 10 words directly from the tool output.\n"
    "sources=")
REFERENCE_SOURCES = "web (default: web)"  # what openai/harmony renders
LIBRARY_SOURCES = "library (default: library)"
FUNCTIONS = (
    FunctionTool("search", "Searches for information related to `query` and displays `topn` results.", {
        "type": "object",
        "properties": {"query": {"type": "string"}, "topn": {"type": "number", "default": 10},
                       "source": {"type": "string"}},
        "required": ["query"]}),
    FunctionTool("open", (
        "Opens the link `id` from the page indicated by `cursor` starting at line number `loc`, showing "
        "`num_lines` lines.\n"
        "Valid link ids are displayed with the formatting: `【{id}†.*】`.\n"
        "If `cursor` is not provided, the most recent page is implied.\n"
        "If `id` is a string, it is treated as a fully qualified URL associated with `source`.\n"
        "If `loc` is not provided, the viewport will be positioned at the beginning of the document or "
        "centered on the most relevant passage, if available.\n"
        "Use this function without `id` to scroll to a new location of an opened page."), {
        "type": "object",
        "properties": {"id": {"type": ["number", "string"], "default": -1},
                       "cursor": {"type": "number", "default": -1},
                       "loc": {"type": "number", "default": -1},
                       "num_lines": {"type": "number", "default": -1},
                       "view_source": {"type": "boolean", "default": False},
                       "source": {"type": "string"}}}),
    FunctionTool("find", "Finds exact matches of `pattern` in the current page, or the page given by `cursor`.", {
        "type": "object",
        "properties": {"pattern": {"type": "string"}, "cursor": {"type": "number", "default": -1}},
        "required": ["pattern"]}),
)
_ARGUMENTS = {"search": ("query", "topn", "top_n", "source"),
              "open": ("id", "cursor", "loc", "num_lines", "view_source", "source"),
              "find": ("pattern", "cursor")}

MAX_RESULTS = 20  # the reference tool's cap on one search
WRAP_WIDTH = 80  # the reference wraps page text at 80 characters before numbering lines
VIEW_CHARS = 4_000  # one view: about the reference's 1,024 tokens, counted in characters here
SNIPPET_CHARS = 300
FIND_MAX_RESULTS = 50
FIND_SHOW_LINES = 4


def system_section(sources: str = LIBRARY_SOURCES) -> str:
    """The browser's `# Tools` section of the system message, as openai/harmony renders it."""
    return render_tools_section(FUNCTIONS, NAMESPACE, _DESCRIPTION + sources)


class BrowserError(Exception):
    """A call the browser cannot carry out; the message is for the model (and the person)."""


class LibraryView(Protocol):
    """What the browser reads of the library (desktop.core.library.Library has these)."""

    def search(self, query: str, top_k: int = 3) -> Sequence[Any]: ...  # hits: path, page, heading, text, chunk_index

    def documents(self) -> Sequence[Any]: ...  # records: path, status

    def document_chunks(self, path: str) -> Sequence[Any]: ...  # chunk_index, char_start, char_end, text, page, heading


@dataclass(frozen=True)
class Origin:
    """Where a line of a page comes from: what a citation of it opens."""

    path: str
    page: int | None
    heading: str | None


@dataclass(frozen=True)
class Link:
    path: str
    line: int | None = None  # where to centre the view in the document
    chunk_index: int | None = None  # or the chunk whose first line that is


@dataclass
class Page:
    url: str
    title: str
    lines: list[str]
    origins: list[Origin | None]  # one per line
    links: dict[int, Link] = field(default_factory=dict)
    listing: bool = False  # search or find results: `find` does not run on them
    chunk_lines: dict[int, int] = field(default_factory=dict)  # chunk index -> its first line
    starts: list[int] = field(default_factory=list)  # each line's offset in the page's text


class LibraryBrowser:
    """One turn's browser: its page stack (what cursors index) lives as long as the turn.

    Thread use: one turn calls it from one thread at a time.
    """

    def __init__(self, library: LibraryView) -> None:
        self.library = library
        self.pages: list[Page] = []
        self._documents: dict[str, Page] = {}

    # -- the tool's functions ---------------------------------------------------------------

    def call(self, function: str, arguments: dict[str, Any]) -> str:
        """Run `browser.{function}` with the model's arguments; BrowserError on a bad call."""
        if function not in _ARGUMENTS:
            raise BrowserError(f"Unknown function: {function}. The browser has search, open and find.")
        unknown = sorted(set(arguments) - set(_ARGUMENTS[function]))
        if unknown:
            raise BrowserError(f"browser.{function} takes {', '.join(_ARGUMENTS[function])}; "
                               f"not {', '.join(unknown)}.")
        if function == "search":
            query = arguments.get("query")
            if not isinstance(query, str) or not query.strip():
                raise BrowserError("browser.search needs a `query` (text).")
            return self.search(query, _integer(arguments, "topn", 10))
        if function == "open":
            target = arguments.get("id", -1)
            if isinstance(target, bool) or not isinstance(target, (int, float, str)):
                raise BrowserError(f"`id` should be a link id (a number) or a document's name, "
                                   f"not `{type(target).__name__}`.")
            if isinstance(target, float):
                target = _integer(arguments, "id", -1)
            return self.open(target, _integer(arguments, "cursor", -1), _integer(arguments, "loc", -1),
                             _integer(arguments, "num_lines", -1))
        pattern = arguments.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise BrowserError("browser.find needs a `pattern` (text).")
        return self.find(pattern, _integer(arguments, "cursor", -1))

    def search(self, query: str, topn: int = 10) -> str:
        topn = max(1, min(topn, MAX_RESULTS))
        hits = list(self.library.search(query, top_k=topn))
        seen: set[str] = set()
        entries: list[tuple[Link, Origin, str]] = []
        for hit in hits:  # one result per document, its best passage first
            if hit.path in seen:
                continue
            seen.add(hit.path)
            where = f"(p. {hit.page}) " if hit.page else ""
            entries.append((Link(hit.path, chunk_index=hit.chunk_index), Origin(hit.path, hit.page, hit.heading),
                            f"{where}{_snippet(hit.text)}"))
        pieces = ["# Search Results\n\n"]
        marks: list[tuple[int, Origin | None]] = [(0, None)]
        links: dict[int, Link] = {}
        for i, (link, origin, snippet) in enumerate(entries[:topn]):
            entry = f"  * 【{i}†{_link_text(Path(link.path).name)}】 {snippet}\n"
            marks.append((sum(map(len, pieces)), origin))
            pieces.append(entry)
            links[i] = link
        if not links:
            pieces.append(f"No documents in the library match `{_clean(query)}`.")
        page = _page("".join(pieces).rstrip("\n"), marks, url="", title=_clean(query))
        page.links, page.listing = links, True
        self.pages.append(page)
        return self._show_safely(0, -1)

    def open(self, id: int | str = -1, cursor: int = -1, loc: int = -1, num_lines: int = -1) -> str:  # noqa: A002
        anchor: int | None = None
        if isinstance(id, str):
            page = self._document(self._resolve(id))
        else:
            current = self._page_at(cursor)
            if id >= 0:
                link = current.links.get(id)
                if link is None:
                    raise BrowserError(f"Invalid link id `{id}`.")
                page = self._document(link.path)
                anchor = link.line if link.line is not None else page.chunk_lines.get(link.chunk_index or 0)
            else:  # scroll the page
                page = current
        self.pages.append(page)
        if loc < 0:  # centre on the passage that led here, as the reference does
            loc = 0 if anchor is None else (anchor - 4 if anchor > 4 else anchor)
        return self._show_safely(loc, num_lines)

    def find(self, pattern: str, cursor: int = -1) -> str:
        page = self._page_at(cursor)
        if page.listing:
            raise BrowserError("Cannot run `find` on search results page or find results page")
        needle = pattern.lower()
        chunks: list[str] = []
        marks: list[tuple[int, Origin | None]] = []
        links: dict[int, Link] = {}
        offset = 0
        line_idx = 0
        while line_idx < len(page.lines) and len(chunks) < FIND_MAX_RESULTS:
            if needle not in page.lines[line_idx].lower():
                line_idx += 1
                continue
            match = len(chunks)
            shown = page.lines[line_idx:line_idx + FIND_SHOW_LINES]
            text = f"# 【{match}†match at L{line_idx}】\n" + "\n".join(shown)
            # Each line of the result cites the document's own line.
            marks.append((offset, page.origins[line_idx]))
            position = offset + text.index("\n") + 1
            for j, line in enumerate(shown):
                marks.append((position, page.origins[line_idx + j]))
                position += len(line) + 1
            links[match] = Link(page.url, line=line_idx)
            chunks.append(text)
            offset += len(text) + 2
            line_idx += FIND_SHOW_LINES
        text = "\n\n".join(chunks) if chunks else f"No `find` results for pattern: `{pattern}`"
        result = _page(text, marks or [(0, None)], url=f"{page.url}/find?pattern={quote(needle)}",
                       title=f"Find results for text: `{needle}` in `{page.title}`")
        result.links, result.listing = links, True
        self.pages.append(result)
        return self._show_safely(0, -1)

    # -- citations --------------------------------------------------------------------------

    def cited(self, cursor: int, start: int, end: int) -> tuple[Origin, str] | None:
        """Where `【cursor†Lstart-Lend】` points and the text it cites; None when it points nowhere."""
        if not 0 <= cursor < len(self.pages):
            return None
        page = self.pages[cursor]
        if not 0 <= start < len(page.lines):
            return None
        end = max(start, min(end, len(page.lines) - 1))
        origin = next((o for o in page.origins[start:end + 1] if o is not None), None)
        if origin is None:
            return None
        text = " ".join(" ".join(page.lines[start:end + 1]).split())
        return origin, text

    # -- internals --------------------------------------------------------------------------

    def _page_at(self, cursor: int) -> Page:
        if not self.pages:
            raise BrowserError("No pages to access! Search first: browser.search.")
        if cursor == -1:
            return self.pages[-1]
        if not 0 <= cursor < len(self.pages):
            raise BrowserError(f"Cursor `{cursor}` is out of range. "
                               f"Available cursor indices: [0 - {len(self.pages) - 1}].")
        return self.pages[cursor]

    def _resolve(self, name: str) -> str:
        """A document's path from its path or its file name (the titles the results show)."""
        indexed = [r.path for r in self.library.documents() if r.status == "indexed"]
        wanted = name.strip()
        if wanted in indexed:
            return wanted
        same = [p for p in indexed if Path(p).name.lower() == Path(wanted).name.lower()]
        if len(same) == 1:
            return same[0]
        if same:
            raise BrowserError(f"Several documents are named `{Path(wanted).name}`; open one from the search "
                               "results by its link id.")
        raise BrowserError(f"No document `{_clean(wanted)}` in the library; search, then open a result by its "
                           "link id.")

    def _document(self, path: str) -> Page:
        page = self._documents.get(path)
        if page is None:
            chunks = sorted(self.library.document_chunks(path), key=lambda c: c.chunk_index)
            if not chunks:
                raise BrowserError(f"`{Path(path).name}` has no text in the library (not indexed, or removed).")
            page = _document_page(path, chunks)
            self._documents[path] = page
        return page

    def _show_safely(self, loc: int, num_lines: int) -> str:
        try:
            return self._show(loc, num_lines)
        except BrowserError:
            self.pages.pop()  # a failed view leaves no page behind, as in the reference
            raise

    def _show(self, loc: int, num_lines: int) -> str:
        page = self.pages[-1]
        cursor = len(self.pages) - 1
        total = len(page.lines)
        if loc >= total:
            raise BrowserError(f"Invalid location parameter: `{loc}`. Cannot exceed page maximum of {total - 1}.")
        end = _end_line(page.lines, loc, num_lines)
        body = "\n".join(f"L{i}: {page.lines[i]}" for i in range(loc, end))
        header = page.title + (f" ({_truncate(page.url)})" if page.url else "")
        header += f"\n**viewing lines [{loc} - {end - 1}] of {total - 1}**\n\n"
        return f"[{cursor}] {header}{body}"


def _document_page(path: str, chunks: Sequence[Any]) -> Page:
    """A document's text from its chunks in order: overlaps joined, gaps as line breaks."""
    pieces: list[str] = []
    marks: list[tuple[int, Origin | None]] = []
    chunk_offsets: dict[int, int] = {}
    length = 0
    end: int | None = None
    previous: Origin | None = None
    for chunk in chunks:
        origin = Origin(path, chunk.page or None, chunk.heading or None)
        exact = len(chunk.text) == chunk.char_end - chunk.char_start  # False where the store clipped it
        if end is not None and exact and chunk.char_start < end:
            if chunk.char_end <= end:
                chunk_offsets[chunk.chunk_index] = length
                continue
            text = chunk.text[end - chunk.char_start:]
            chunk_offsets[chunk.chunk_index] = max(0, length - (end - chunk.char_start))
        else:
            if end is not None:
                gap = "\n" if origin == previous else "\n\n"
                pieces.append(gap)
                length += len(gap)
            text = chunk.text
            chunk_offsets[chunk.chunk_index] = length
        text = _clean(text)
        marks.append((length, origin))
        pieces.append(text)
        length += len(text)
        end = chunk.char_end if end is None else max(end, chunk.char_end)
        previous = origin
    page = _page("".join(pieces), marks, url=path, title=Path(path).name)
    page.chunk_lines = {index: max(0, bisect.bisect_right(page.starts, offset) - 1)
                        for index, offset in chunk_offsets.items()}
    return page


def _page(text: str, marks: list[tuple[int, Origin | None]], *, url: str, title: str) -> Page:
    """Wrap `text` as the reference does and give each line the origin of the text it starts in."""
    lines, starts = _wrap(text)
    offsets = [m[0] for m in marks]
    origins = [marks[i][1] if (i := bisect.bisect_right(offsets, s) - 1) >= 0 else None for s in starts]
    return Page(url=url, title=title, lines=lines, origins=origins, starts=starts)


def _wrap(text: str) -> tuple[list[str], list[int]]:
    """The reference's `wrap_lines` (80 wide, whitespace kept) with each line's offset in `text`."""
    lines: list[str] = []
    starts: list[int] = []
    position = 0
    for raw in text.split("\n"):
        if not raw:
            lines.append("")
            starts.append(position)
        else:
            at = position
            for piece in textwrap.wrap(raw, width=WRAP_WIDTH, replace_whitespace=False, drop_whitespace=False):
                lines.append(piece)
                starts.append(at)
                at += len(piece)
        position += len(raw) + 1
    return lines, starts


def _end_line(lines: list[str], loc: int, num_lines: int) -> int:
    if num_lines > 0:
        return min(loc + num_lines, len(lines))
    size = 0
    end = loc
    while end < len(lines):
        size += len(lines[end]) + len(f"L{end}: ") + 1
        if size > VIEW_CHARS and end > loc:
            break
        end += 1
    return end


def _integer(arguments: dict[str, Any], name: str, default: int) -> int:
    value = arguments.get(name, default)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BrowserError(f"`{name}` should be an integer, not `{type(value).__name__}`.")
    return value


# Document text must not forge the tool's own marks: a 【 in a document would read as a link or a
# citation (the reference replaces them the same way); tabs become spaces so wrapping keeps offsets.
_SPECIAL = str.maketrans({"【": "〖", "】": "〗", "\t": " "})


def _clean(text: str) -> str:
    return text.translate(_SPECIAL)


def _link_text(title: str) -> str:
    return _clean(title).replace("†", "‡")


def _snippet(text: str) -> str:
    flat = " ".join(_clean(text).split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    cut = flat[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _truncate(text: str, limit: int = 1024) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."

