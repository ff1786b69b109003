"""Markdown answers into the HTML subset that Qt's rich text understands. Qt-free.

Why markdown-it-py + Pygments into a QTextDocument (and not a web view): a CommonMark parser
that is fast in pure Python, real tables, no browser engine in a 20 GB-RAM-hungry app, selectable
native text. Qt's rich text knows a subset of HTML/CSS, so code is highlighted with inline
styles, code blocks are one-cell tables (padding and background work there) and table cells
get `align=` instead of `text-align`.

The model's output is untrusted: raw HTML is escaped, and links are kept only for http(s) and
mailto, so the text can neither inject markup nor forge the app's own `copy:`/`cite:` links.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use: the window's first frame needs neither (~90 ms)
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

COPY_SCHEME = "copy:"  # href of a code block's Copy link: copy:<index into code_blocks()>
CITE_SCHEME = "cite:"  # href of a citation: cite:<source number>
_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
# [1], [1, 2] as asked for in the grounded prompt; 【1】 and 【1†L3-L9】 as gpt-oss writes by habit.
_CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]|【(\d{1,3})(?:†[^】]*)?】")


class _Theme:
    def __init__(self, dark: bool) -> None:
        self.style = "github-dark" if dark else "default"
        self.dark = dark
        # Explicit, because a dark theme built on a light palette keeps a dark-blue link colour.
        self.link = "#4493f8" if dark else "#0969da"
        self.code_fg = "#e6edf3" if dark else "#1f2328"
        self.code_header_bg = "#161b22" if dark else "#eaeef2"
        self.inline_code_bg = "#343942" if dark else "#eff1f3"
        self.border = "#3d444d" if dark else "#d1d9e0"
        self.muted = "#9198a1" if dark else "#59636e"

    @property
    def code_bg(self) -> str:
        if not self.dark:
            return "#f6f8fa"
        from pygments.styles import get_style_by_name

        return get_style_by_name(self.style).background_color


_THEMES = {dark: _Theme(dark) for dark in (False, True)}


@lru_cache(maxsize=512)  # a 40-message page of long answers is ~100 blocks of ~1,500 characters
def markdown_to_html(text: str, *, dark: bool) -> str:
    """HTML for a QTextDocument. Code blocks are numbered in document order; the n-th one's Copy
    link is `copy:n` and `code_blocks(text)[n]` is its code.

    Kept for the last calls: a worker renders a saved chat's answers before the UI thread shows
    them (a 20,000-character answer is ~0.1 s of Python), and the UI thread then finds them here."""
    return _parsers()[0].render(text, {"theme": _THEMES[dark], "code_index": 0})


def code_blocks(text: str) -> list[str]:
    """The code of every fenced or indented code block, in the order `copy:` links number them."""
    return [_code_of(tok) for tok in _parsers()[0].parse(text, {}) if tok.type in ("fence", "code_block")]


def _code_of(token: Token) -> str:
    return token.content[:-1] if token.content.endswith("\n") else token.content


@lru_cache(maxsize=256)
def _highlighted(code: str, language: str, dark: bool) -> str:
    # Cached: while an answer streams, its finished code blocks re-render unchanged.
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language, stripnl=False) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return html.escape(code)
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style=_THEMES[dark].style)
    return highlight(code, lexer, formatter).rstrip("\n")


def _copy_label() -> str:
    from PySide6.QtCore import QCoreApplication  # loaded already; this module keeps Qt out of its import

    return html.escape(QCoreApplication.translate("Markdown", "Copy"))


def _render_code(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    theme: _Theme = env["theme"]
    index = env["code_index"]
    env["code_index"] = index + 1
    language = token.info.split()[0] if token.info.strip() else ""
    body = _highlighted(_code_of(token), language.lower(), theme is _THEMES[True])
    label = html.escape(language) or "&nbsp;"
    return (
        # No cell borders: Qt would draw one between the header's two cells.
        f'<table width="100%" border="0" cellspacing="0" cellpadding="6" bgcolor="{theme.code_bg}"'
        f' style="margin: 6px 0;">'
        f'<tr bgcolor="{theme.code_header_bg}">'
        f'<td width="100%"><span style="color: {theme.muted}; font-size: small;">{label}</span></td>'
        f'<td align="right"><a href="{COPY_SCHEME}{index}" style="color: {theme.link}; font-size: small;'
        f' white-space: nowrap;">{_copy_label()}</a></td></tr>'
        # pre-wrap: a long line wraps inside the card instead of being cut off in a narrow window.
        f'<tr><td colspan="2"><pre style="margin: 0; white-space: pre-wrap; color: {theme.code_fg};">'
        f'{body}</pre></td></tr>'
        "</table>\n"
    )


def _render_code_inline(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    theme: _Theme = env["theme"]
    return f'<code style="background-color: {theme.inline_code_bg};">{html.escape(tokens[idx].content)}</code>'


def _render_table_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    theme: _Theme = env["theme"]
    return (f'<table border="1" cellspacing="0" cellpadding="5"'
            f' style="border-collapse: collapse; border-color: {theme.border}; margin: 6px 0;">\n')


def _render_cell_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    align = str(token.attrs.get("style", "")).removeprefix("text-align:")
    return f'<{token.tag} align="{align}">' if align else f"<{token.tag}>"


def _render_image(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    # Never fetch or show what the model points at; offer the address as a link instead.
    token = tokens[idx]
    src = html.escape(str(token.attrs.get("src", "")))
    alt = html.escape(self.renderInlineAsText(token.children or [], options, env)) or src
    return f'<a href="{src}" style="color: {env["theme"].link};">[image: {alt}]</a>'


def _render_link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    tokens[idx].attrSet("style", f"color: {env['theme'].link};")
    return str(self.renderToken(tokens, idx, options, env))


def _render_citation(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    link = env["theme"].link
    links = ", ".join(f'<a href="{CITE_SCHEME}{n}" style="color: {link};">{n}</a>'
                      for n in tokens[idx].meta["numbers"])
    return f"[{links}]"


def _citations(state: StateCore) -> None:
    """Turns [1] / [1, 2] / 【1】 in plain text (not code, not inside links) into citation tokens."""
    from markdown_it.token import Token

    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for tok in block.children:
            link_depth += {"link_open": 1, "link_close": -1}.get(tok.type, 0)
            if tok.type != "text" or link_depth or not _CITATION.search(tok.content):
                children.append(tok)
                continue
            at = 0
            for match in _CITATION.finditer(tok.content):
                if match.start() > at:
                    children.append(_text_token(tok.content[at:match.start()]))
                numbers = [int(n) for n in re.findall(r"\d+", match.group(1) or match.group(2))]
                cite = Token("citation", "", 0)
                cite.meta = {"numbers": numbers}
                children.append(cite)
                at = match.end()
            if at < len(tok.content):
                children.append(_text_token(tok.content[at:]))
        block.children = children


def _text_token(content: str) -> Token:
    from markdown_it.token import Token

    token = Token("text", "", 0)
    token.content = content
    return token


@lru_cache(maxsize=1)
def _parsers() -> tuple[MarkdownIt, MarkdownIt]:
    """The answer renderer and the plain-text reader, built on first use."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))  # type: ignore[method-assign]
    md.core.ruler.push("citations", _citations)
    md.add_render_rule("fence", _render_code)
    md.add_render_rule("code_block", _render_code)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("th_open", _render_cell_open)
    md.add_render_rule("td_open", _render_cell_open)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("citation", _render_citation)
    return md, MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


# What the parser leaves of a table cut mid-way (a chunk rarely starts at the header row).
_TABLE_LEFTOVERS = re.compile(r"(?:\s*\|\s*)+|(?<!\w)[:\-]{3,}(?!\w)")


def warm_up() -> None:
    """Import and build the parsers now (from a worker once the window is up), so the first
    answer does not wait ~0.3 s for them on the UI thread."""
    _parsers()
    from pygments import highlight  # noqa: F401
    from pygments.formatters import HtmlFormatter  # noqa: F401
    from pygments.lexers import get_lexer_by_name  # noqa: F401


NEWLINE = re.compile(r"\r\n?|\n")  # markdown-it's own line breaks


def block_starts(markdown: str) -> list[tuple[int, str]]:
    """Where each top-level block of `markdown` starts (a character offset) and what it is
    (markdown-it's token type: "paragraph_open", "fence", "table_open", ...), with each item of a
    top-level list too ("list_item_open"): the places it can be cut without changing how it renders."""
    lines = [0] + [found.end() for found in NEWLINE.finditer(markdown)]
    starts = []
    depth = 0  # list nesting: 1 inside a top-level list
    for token in _parsers()[1].parse(markdown):
        if token.map is not None and token.nesting >= 0 and (token.level == 0 or (
                token.type == "list_item_open" and token.level == 1 and depth == 1)):
            starts.append((lines[token.map[0]], token.type))
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
    return starts


def plain_text(markdown: str) -> str:
    """The words of a Markdown snippet on one line, without its syntax: no table pipes, no #, *
    or backticks, links as their text. For excerpts shown under an answer."""
    parts: list[str] = []
    for token in _parsers()[1].parse(markdown):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
        parts.append(" ")
    return " ".join(_TABLE_LEFTOVERS.sub(" ", "".join(parts)).split())
