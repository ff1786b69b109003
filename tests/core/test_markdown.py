"""Markdown to Qt-rich-text HTML: structure, highlighting, safety, copy and citation links."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from desktop.ui.markdown import code_blocks, markdown_to_html

REPO = Path(__file__).resolve().parents[2]

ANSWER = """Intro with a [link](https://example.org/docs) and `inline()` code.

| Setting | Value |
|:--------|------:|
| mode    | auto  |

- first
- second

1. one
2. two

~~old~~ new

```python
def reset(router):
    return router.reboot()
```

```
plain text block <tag>
```

    indented = True
"""


def test_tables_lists_links_and_strikethrough() -> None:
    out = markdown_to_html(ANSWER, dark=False)
    assert '<a href="https://example.org/docs" style="color: #0969da;">link</a>' in out
    assert "<th align=\"left\">Setting</th>" in out
    assert "<td align=\"right\">auto</td>" in out
    assert "text-align" not in out  # Qt ignores it; alignment travels as align=
    assert "<ul>\n<li>first</li>\n<li>second</li>\n</ul>" in out
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in out
    assert "<s>old</s>" in out
    assert re.search(r'<code style="background-color: #[0-9a-f]+;">inline\(\)</code>', out)


def test_code_is_highlighted_with_inline_styles_for_each_theme() -> None:
    light = markdown_to_html(ANSWER, dark=False)
    dark = markdown_to_html(ANSWER, dark=True)
    for out in (light, dark):
        assert "class=" not in out  # Qt has no style sheet for classes: styles must be inline
        assert re.search(r'<span style="color: #[0-9A-Fa-f]+[^"]*">def</span>', out)
    assert 'bgcolor="#f6f8fa"' in light
    assert 'bgcolor="#0d1117"' in dark
    assert light != dark


def test_unknown_or_missing_language_is_escaped_plain_text() -> None:
    out = markdown_to_html("```nosuchlang\nx <y>\n```\n", dark=False)
    assert "x &lt;y&gt;</pre>" in out
    assert "nosuchlang" in out  # still labelled with what the model wrote
    assert "plain text block &lt;tag&gt;</pre>" in markdown_to_html(ANSWER, dark=False)


def test_raw_html_from_the_model_is_escaped() -> None:
    out = markdown_to_html('<script>alert(1)</script>\n\nHi <img src="file:///etc/passwd"> <b>bold</b>\n',
                           dark=False)
    assert "<script>" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;b&gt;bold&lt;/b&gt;" in out


def test_only_web_and_mail_links_survive() -> None:
    out = markdown_to_html("[a](javascript:alert(1)) [b](copy:0) [c](cite:9) [d](file:///etc/passwd) "
                           "[e](mailto:me@example.org) <https://example.org>", dark=False)
    hrefs = re.findall(r'href="([^"]*)"', out)
    assert hrefs == ["mailto:me@example.org", "https://example.org"]


def test_images_become_links_and_are_never_loaded() -> None:
    out = markdown_to_html("![diagram](https://example.org/d.png)", dark=False)
    assert "<img" not in out
    assert '<a href="https://example.org/d.png" style="color: #0969da;">[image: diagram]</a>' in out


def test_copy_links_match_code_blocks_indices() -> None:
    out = markdown_to_html(ANSWER, dark=True)
    assert re.findall(r'href="(copy:\d+)"', out) == ["copy:0", "copy:1", "copy:2"]
    assert code_blocks(ANSWER) == [
        "def reset(router):\n    return router.reboot()",
        "plain text block <tag>",
        "indented = True",
    ]


def test_code_blocks_inside_lists_and_quotes_are_numbered_in_order() -> None:
    text = "> ```\n> quoted\n> ```\n\n- item\n\n  ```sh\n  echo listed\n  ```\n\n```\nlast\n```\n"
    out = markdown_to_html(text, dark=False)
    assert re.findall(r'href="copy:(\d+)"', out) == ["0", "1", "2"]
    assert code_blocks(text) == ["quoted", "echo listed", "last"]


def test_unclosed_fence_while_streaming_renders_and_copies() -> None:
    text = "Here:\n\n```python\nprint('hal"
    assert "copy:0" in markdown_to_html(text, dark=False)
    assert code_blocks(text) == ["print('hal"]


def test_citations_become_cite_links() -> None:
    out = markdown_to_html("As the manual says [1], and the log [2, 3]. Also 【4†L10-L12】.", dark=False)
    assert re.findall(r'href="(cite:\d+)"', out) == ["cite:1", "cite:2", "cite:3", "cite:4"]
    assert ('[<a href="cite:2" style="color: #0969da;">2</a>, <a href="cite:3" style="color: #0969da;">3</a>]'
            in out)


def test_links_have_a_colour_that_reads_on_the_theme() -> None:
    light = markdown_to_html("[a](https://a.org) [1] ```x```\n\n```\ncode\n```", dark=False)
    dark = markdown_to_html("[a](https://a.org) [1] ```x```\n\n```\ncode\n```", dark=True)
    assert len(re.findall(r'<a href="[^"]+" style="color: #0969da;', light)) == 3  # link, cite, Copy
    assert len(re.findall(r'<a href="[^"]+" style="color: #4493f8;', dark)) == 3


def test_citations_are_left_alone_in_code_and_links() -> None:
    out = markdown_to_html("`a[1]` [see [2]](https://example.org) [3](https://example.org/3)\n\n"
                           "```\nx[4]\n```\n", dark=False)
    assert "cite:" not in out
    assert '<a href="https://example.org/3" style="color: #0969da;">3</a>' in out


def test_markdown_module_does_not_import_qt() -> None:
    code = ("import sys, desktop.ui.markdown as m; m.markdown_to_html('# x', dark=True); "
            "print(sorted(n for n in sys.modules if n.startswith(('PySide', 'PyQt', 'shiboken'))))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
