"""`library add|list|remove|search` through the real CLI entry, in a tmp app home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

import desktop.commands
from desktop.cli import run_cli
from desktop.commands import library as library_command
from desktop.paths import AppPaths
from desktop.settings import Settings, save_settings
from tests.fixtures.corpus import TOPICS, write_corpus
from tests.fixtures.documents import write_pdf, write_zip
from tests.fixtures.embedding_models import minilm_gguf, tiny_bert_gguf  # noqa: F401  (session fixtures)


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    # Make sure `library` is mounted, whatever the order the command modules are listed in.
    if library_command not in desktop.commands.COMMAND_MODULES:
        monkeypatch.setattr(desktop.commands, "COMMAND_MODULES",
                            [*desktop.commands.COMMAND_MODULES, library_command])


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    write_corpus(folder, {name: TOPICS[name] for name in ("heat-pump", "router", "sourdough", "tax")})
    write_pdf(folder / "locked.pdf", ["secret"], user_password="pw")
    write_zip(folder / "photos.docx", {"a.jpg": b"\xff\xd8"})
    (folder / "song.mp3").write_bytes(b"ID3")
    return folder


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[dict]:
    capsys.readouterr()
    assert run_cli(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_add_list_search_remove(docs: Path, minilm_gguf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = ["--embedding-model", str(minilm_gguf)]
    assert run_cli(["library", "add", str(docs), *model]) == 0  # some files failed: still 0
    err = capsys.readouterr().err
    assert f"error    {docs / 'locked.pdf'}: encrypted PDF" in err
    assert f"error    {docs / 'photos.docx'}: not a Word document" in err
    assert f"skipped  {docs / 'song.mp3'}: unsupported type (.mp3)" in err
    assert "4 indexed (4 chunks), 0 unchanged, 2 failed, 1 skipped" in err
    assert "files 6/6" in err  # progress lines went to stderr

    listed = {Path(d["path"]).name: d for d in _json(capsys, ["library", "list", "--json", *model])}
    assert set(listed) == {"heat-pump.md", "router.txt", "sourdough.pdf", "tax.docx", "locked.pdf",
                           "photos.docx", "song.mp3"}
    assert listed["sourdough.pdf"] == {"path": str(docs / "sourdough.pdf"), "status": "indexed",
                                       "chunks": 1, "error": None, "type": "pdf", "pages": 1}
    assert listed["locked.pdf"]["status"] == "error" and "encrypted" in listed["locked.pdf"]["error"]
    assert listed["song.mp3"]["status"] == "skipped"

    hits = _json(capsys, ["library", "search", "How do I bake bread with a crunchy crust?",
                          "--top-k", "2", "--json", *model])
    assert len(hits) == 2
    assert hits[0]["path"] == str(docs / "sourdough.pdf") and hits[0]["page"] == 1
    assert "cast iron pot" in hits[0]["text"] and hits[0]["score"] > 0

    assert run_cli(["library", "search", "factory reset of the wifi box", *model]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"[1] {docs / 'router.txt'}")

    assert run_cli(["library", "add", str(docs), *model]) == 0
    assert "0 indexed (0 chunks), 4 unchanged" in capsys.readouterr().err

    assert run_cli(["library", "remove", str(docs / "router.txt"), *model]) == 0
    names = {Path(d["path"]).name for d in _json(capsys, ["library", "list", "--json"])}
    assert "router.txt" not in names and "tax.docx" in names
    assert run_cli(["library", "remove", str(docs / "router.txt")]) == 1
    assert "Not in the library" in capsys.readouterr().err


def test_nothing_could_be_done_is_a_failure(tmp_path: Path, minilm_gguf: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["library", "add", str(tmp_path / "nowhere"), "--embedding-model", str(minilm_gguf)])
    assert code == 1
    assert "not found (moved or deleted?)" in capsys.readouterr().err


def test_missing_embedding_model_is_explained(docs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["library", "add", str(docs)]) == 1
    assert "No embedding model is set" in capsys.readouterr().err
    assert run_cli(["library", "search", "anything"]) == 1
    assert "--embedding-model" in capsys.readouterr().err
    assert run_cli(["library", "list"]) == 0  # listing needs no model
    assert "The library is empty" in capsys.readouterr().out


def test_embedding_model_from_settings(docs: Path, minilm_gguf: Path, app_home: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    paths = AppPaths.under(app_home).ensure()
    settings = Settings().with_section("library", embedding_model_path=str(minilm_gguf), top_k=1)
    save_settings(paths.settings_file, settings)
    assert run_cli(["library", "add", str(docs / "tax.docx")]) == 0
    hits = _json(capsys, ["library", "search", "deadline for freelancers to declare income", "--json"])
    assert [Path(h["path"]).name for h in hits] == ["tax.docx"]  # top_k from the settings


def test_library_in_use_by_another_process_is_a_clear_error(docs: Path, minilm_gguf: Path, app_home: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pymilvus import MilvusClient; MilvusClient(sys.argv[1]); "
         "print('open', flush=True); time.sleep(120)",
         str(AppPaths.under(app_home).ensure().library_db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        code = run_cli(["library", "add", str(docs / "tax.docx"), "--embedding-model", str(minilm_gguf)])
        assert code == 1
        assert "another copy of the app" in capsys.readouterr().err
        assert run_cli(["library", "list", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == []  # nothing half-recorded
    finally:
        holder.kill()
        holder.wait()


_CLI_WITH_LIBRARY = (
    "import sys, desktop.commands as c; from desktop.commands import library; "
    "c.COMMAND_MODULES = [m for m in c.COMMAND_MODULES if m is not library] + [library]; "
    "from desktop.cli import run_cli; sys.exit(run_cli(sys.argv[1:]))"
)


def test_ctrl_c_cancels_between_batches(tmp_path: Path, app_home: Path) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys

    from tests.fixtures.embedding_models import write_tiny_bert

    model = write_tiny_bert(tmp_path / "tiny.gguf")
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(20):
        (folder / f"doc{i:02}.txt").write_text(
            "\n\n".join(f"the cat and the dog number {j} by the river." for j in range(1500)))
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI_WITH_LIBRARY, "library", "add", str(folder), "--embedding-model", str(model)],
        cwd=Path(__file__).resolve().parents[2], stderr=subprocess.PIPE, text=True,
        env={**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home)})
    lines = []
    for line in process.stderr:
        lines.append(line)
        match = re.search(r"chunks (\d+)", line)
        if match and int(match.group(1)) > 0:
            process.send_signal(signal.SIGINT)
            break
    rest = process.stderr.read()
    assert process.wait(timeout=120) == 130, "".join(lines) + rest
    assert "indexing was cancelled; add the file again" in rest
    assert "(cancelled)" in rest
    assert "Traceback" not in rest


def test_commands_say_in_one_line_that_the_open_window_holds_the_library(
        docs: Path, tiny_bert_gguf: Path, tiny_gpt_oss: Path, app_home: Path) -> None:
    paths = AppPaths.under(app_home).ensure()
    settings = Settings()
    save_settings(paths.settings_file, replace(settings, library=replace(
        settings.library, embedding_model_path=str(tiny_bert_gguf))))
    assert run_cli(["library", "add", str(docs / "heat-pump.md")]) == 0  # indexed before the window opens
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(app_home), "QT_QPA_PLATFORM": "offscreen"}

    def cli(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktop", *argv], env=env, capture_output=True,
                              text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])

    window = subprocess.Popen([sys.executable, "-m", "desktop"], env=env, cwd=Path(__file__).resolve().parents[2],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        log = paths.log_dir / "app.log"
        deadline = time.monotonic() + 120
        while window.poll() is None and time.monotonic() < deadline and not (
                log.exists() and "window shown" in log.read_text(encoding="utf-8")):
            time.sleep(0.1)
        assert window.poll() is None, "the window did not start"
        in_use = "error: The library is in use by the open window"
        for argv in (["library", "search", "heat pump"], ["library", "add", str(docs / "router.txt")],
                     ["library", "remove", str(docs / "heat-pump.md")]):
            done = cli(*argv)
            assert done.returncode == 1 and done.stderr.startswith(in_use), (argv, done.stderr)
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        asked = cli("ask", "hi", "--model", str(tiny_gpt_oss), "--max-tokens", "2")
        assert asked.returncode == 1, asked.stderr
        assert asked.stderr.strip() == ("error: The library is in use by the open window; close the window, "
                                        "or pass --no-library to answer without it.")
        assert cli("ask", "hi", "--model", str(tiny_gpt_oss), "--max-tokens", "2", "--no-library").returncode == 0
        listed = cli("library", "list")  # the catalog is not the store: listing still works
        assert listed.returncode == 0 and "heat-pump.md" in listed.stdout
    finally:
        window.kill()
        window.wait()
    # The window is gone (killed): its lock went with it.
    assert run_cli(["library", "search", "heat pump"]) == 0
