"""Coverage-guided fuzzing (atheris / libFuzzer) of the document loaders and the GGUF check.

Not a pytest module: run it in an environment with atheris installed, one target at a time:

    python -m tests.reliability.fuzz_loaders TARGET WORKDIR [libFuzzer flags...]
    e.g. ... gguf /tmp/fuzz-gguf -max_total_time=120 -rss_limit_mb=3072 -timeout=10

TARGET: text, markdown, html, pdf, docx, epub, gguf. The seeds are real files written by the
test fixtures. A "crash" is any exception other than the app's own refusal (DocumentError,
UserError), a hang over -timeout, or memory over -rss_limit_mb; libFuzzer saves the input as
WORKDIR/crash-* (or timeout-*, oom-*), which becomes a regression test once fixed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["desktop", "html", "docx", "zipfile"]):
    from desktop.core.documents import DocumentError, load_document
    from desktop.core.documents.html import html_sections
    from desktop.core.documents.markdown import markdown_segments
    from desktop.core.documents.text import decode_text
    from desktop.core.errors import UserError
    from desktop.core.gguf_check import inspect_gguf, require_chat_model

SUFFIX = {"pdf": ".pdf", "docx": ".docx", "epub": ".epub", "gguf": ".gguf"}


def _seeds(target: str, folder: Path) -> None:
    from tests.fixtures.chat_models import write_tiny_gpt_oss
    from tests.fixtures.documents import write_docx, write_epub, write_pdf

    folder.mkdir(parents=True, exist_ok=True)
    text = "Defrost runs every 90 minutes.\n\nHold reset for 10 s."
    if target == "pdf":
        write_pdf(folder / "a.pdf", [text, "second page"])
    elif target == "docx":
        write_docx(folder / "a.docx", [("h1", "Title"), ("p", text), ("table", "a|b;c|d")])
    elif target == "epub":
        write_epub(folder / "a.epub", [("One", text), ("Two", "more")])
    elif target == "gguf":
        write_tiny_gpt_oss(folder / "a.gguf", n_layer=1, n_embd=32, n_expert=2, n_expert_used=1)
    elif target == "html":
        (folder / "a.html").write_text(f"<html><head><title>t</title><script>x</script></head><body>"
                                       f"<h1>Top</h1><p>{text}</p><svg><g/></svg><h2>Sub</h2><pre>code</pre>"
                                       "<table><tr><td>a</td><td>b</td></tr></table></body></html>")
    else:
        (folder / "a.md").write_text(f"---\nk: v\n---\n# Title\n\n{text}\n\nSub\n---\n```\n# not\n```\n")
        (folder / "b.txt").write_bytes("caf\u00e9 na\u00efve".encode("cp1252"))


def _one_input(target: str, scratch: Path):
    path = scratch / f"input{SUFFIX.get(target, '.txt')}"

    def run(data: bytes) -> None:
        try:
            if target == "gguf":
                path.write_bytes(data)
                require_chat_model(inspect_gguf(path))
            elif target in SUFFIX:
                path.write_bytes(data)
                load_document(path)
            else:
                text = decode_text(data)
                if target == "html":
                    html_sections(text)
                elif target == "markdown":
                    markdown_segments(text)
        except (DocumentError, UserError):
            pass  # a refusal with a message: what the app wants
    return run


def main() -> None:
    target, workdir = sys.argv[1], Path(sys.argv[2])
    seeds = workdir / "corpus"
    if not seeds.exists():
        _seeds(target, seeds)
    scratch = workdir / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)  # crash-* files land here
    max_len = 400_000 if target == "gguf" else 200_000
    atheris.Setup([sys.argv[0], *sys.argv[3:], f"-max_len={max_len}", str(seeds)], _one_input(target, scratch))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
