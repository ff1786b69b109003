"""What the app exposes on this machine: ports, logs, and files outside its data folder."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import psutil
import pytest
from pymilvus import MilvusClient, MilvusException
from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

from desktop.cli import run_cli
from desktop.context import AppContext
from desktop.core.library import Library
from desktop.core.library.store import collection_name
from desktop.paths import AppPaths
from desktop.ui.launch import _setup_logging
from tests.fixtures.documents import write_docx, write_pdf
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.harness.offline_proof import SECRET


def _docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manual.md").write_text(f"# Heat pump\n\nThe defrost code is {SECRET}.\n")
    (folder / "page.html").write_text(f"<p>Batch {SECRET}</p><![<{SECRET}>")
    write_pdf(folder / "scan.pdf", [f"Receipt {SECRET}"])
    write_docx(folder / "plan.docx", [("p", f"Taper {SECRET}")])
    (folder / "broken.docx").write_bytes(b"PK\x03\x04" + SECRET.encode() * 20)
    (folder / "binary.txt").write_bytes(b"\x00\x01" + SECRET.encode())
    return folder


def _loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip.split("%")[0])
    mapped = getattr(address, "ipv4_mapped", None)  # "::ffff:127.0.0.1" from a dual-stack socket
    return (mapped or address).is_loopback


def test_milvus_lite_listens_on_loopback_only(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    me = psutil.Process()
    before = {(c.laddr, c.status) for c in me.net_connections(kind="inet")}
    library = Library(str(tmp_path / "library.db"), tmp_path / "library.sqlite3", tiny_bert_gguf)
    try:
        library.add([_docs(tmp_path / "docs")])
        assert library.search(SECRET, top_k=2)
        server = psutil.Process(library._vector_store()._server._process.pid)  # the store's process
        ours = [c for c in me.net_connections(kind="inet") if (c.laddr, c.status) not in before]
        theirs = server.net_connections(kind="inet")
        listening = [c for c in theirs if c.status == psutil.CONN_LISTEN]
        assert listening, "Milvus Lite's server was expected to listen on a TCP port"
        assert [c for c in ours if c.status == psutil.CONN_LISTEN] == []
        assert [c.laddr for c in listening if not _loopback(c.laddr.ip)] == []
        assert [c.raddr for c in ours + theirs if c.raddr and not _loopback(c.raddr.ip)] == []
    finally:
        library.close()


def _what_a_stranger_gets(uri: str, collection: str) -> list[str]:
    """Another local program speaking the Milvus protocol to the store's port, no secret: it
    asks for the collections, the stored text, and to drop the collection."""
    with grpc.insecure_channel(uri.removeprefix("http://")) as channel:
        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        answers = []
        for call, request in (
                (stub.ShowCollections, milvus_pb2.ShowCollectionsRequest()),
                (stub.Query, milvus_pb2.QueryRequest(collection_name=collection, expr="doc_id >= 0",
                                                     output_fields=["text"])),
                (stub.DropCollection, milvus_pb2.DropCollectionRequest(collection_name=collection))):
            try:
                answers.append(str(call(request)))
            except grpc.RpcError as exc:
                answers.append(exc.code().name)
    return answers


def test_the_library_store_answers_this_app_alone(tmp_path: Path, tiny_bert_gguf: Path) -> None:
    library = Library(str(tmp_path / "library.db"), tmp_path / "library.sqlite3", tiny_bert_gguf)
    try:
        docs = _docs(tmp_path / "docs")
        library.add([docs])
        collection = collection_name(library.model_fingerprint)
        for restart in (False, True):
            store = library._vector_store()
            if restart:  # killed (as by the OS's out-of-memory killer): started again on next use
                os.kill(store._server._process.pid, signal.SIGKILL)
                store._server._process.wait(timeout=10)
            assert SECRET in library.search(SECRET, top_k=1)[0].text
            assert _what_a_stranger_gets(store._server.uri, collection) == ["UNAUTHENTICATED"] * 3
            with pytest.raises(MilvusException):  # pymilvus, with no secret or a guessed one
                MilvusClient(store._server.uri)
            with pytest.raises(MilvusException):
                MilvusClient(store._server.uri, token="root:Milvus")  # Milvus's default login
        assert library.remove(docs / "manual.md") == [str(docs / "manual.md")]
        assert "manual.md" not in {Path(h.path).name for h in library.search(SECRET, top_k=10)}
        assert library.search(SECRET, top_k=1)  # the rest is all still there
    finally:
        library.close()


@pytest.fixture
def app_log(app_home: Path):
    """The window's log set-up (file in the data folder, INFO by default), undone afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    ctx = AppContext.load()
    _setup_logging(ctx, debug=False)
    yield ctx.paths.log_dir / "app.log"
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(level)


def test_logs_hold_no_document_text_or_chat_content(tmp_path: Path, tiny_gpt_oss: Path, tiny_bert_gguf: Path,
                                                    app_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    seen: list[logging.LogRecord] = []
    collector = logging.Handler(logging.INFO)
    collector.emit = seen.append  # every record at the default level, third-party ones included
    logging.getLogger().addHandler(collector)
    try:
        docs = _docs(tmp_path / "docs")
        assert run_cli(["library", "add", str(docs), "--embedding-model", str(tiny_bert_gguf)]) == 0
        assert run_cli(["library", "search", f"where is {SECRET}", "--embedding-model", str(tiny_bert_gguf)]) == 0
        assert run_cli(["ask", f"What is {SECRET}?", "--model", str(tiny_gpt_oss), "--max-tokens", "8",
                        "--chat", "new", "--quiet"]) == 0
        assert run_cli(["chats", "search", SECRET]) == 0
    finally:
        logging.getLogger().removeHandler(collector)
    out, err = capfd.readouterr()
    assert SECRET in out  # the content went where the user asked for it...
    assert SECRET not in err  # ...and not into stderr (CLI logs, llama.cpp's log lines)
    assert [r.getMessage() for r in seen if SECRET in r.getMessage() or SECRET in str(r.exc_info)] == []
    text = app_log.read_text() if app_log.exists() else ""
    assert SECRET not in text


def test_a_cli_session_writes_nothing_outside_the_data_folder(tmp_path: Path, tiny_gpt_oss: Path,
                                                              tiny_bert_gguf: Path) -> None:
    home, tmp, data = tmp_path / "home", tmp_path / "tmp", tmp_path / "data"
    home.mkdir()
    tmp.mkdir()
    docs = _docs(tmp_path / "docs")
    before_docs = sorted(p.name for p in docs.iterdir())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HF_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), GPT_OSS_DESKTOP_HOME=str(data))
    for argv in (["library", "add", str(docs), "--embedding-model", str(tiny_bert_gguf)],
                 ["ask", "hi", "--model", str(tiny_gpt_oss), "--max-tokens", "4", "--chat", "new"],
                 ["chats", "list"], ["models", "list"], ["hw"]):
        done = subprocess.run([sys.executable, "-m", "desktop", *argv], env=env, capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr
    assert [str(p) for p in home.rglob("*")] == []
    assert [str(p) for p in tmp.rglob("*")] == []
    assert sorted(p.name for p in docs.iterdir()) == before_docs
    assert AppPaths.under(data).conversations_db.exists()  # it did write, in its own folder


def test_a_parser_failure_logs_no_document_text_unless_debugging(tmp_path: Path, tiny_bert_gguf: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    from desktop.core.documents import DocumentReader

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(f"{SECRET} and more")
    for level, leaks in ((logging.INFO, False), (logging.DEBUG, True)):
        caplog.clear()
        # A reader whose bug quotes the file, run in the real reader child.
        with (caplog.at_level(level), DocumentReader(job="tests.core.isolation_jobs:quote_and_raise") as reader,
              Library(str(tmp_path / f"{level}.db"), tmp_path / f"{level}.sqlite3", tiny_bert_gguf,
                      reader=reader) as library):
            report = library.add([tmp_path / "docs"])
        assert len(report.failed) == 1
        assert "unexpected failure reading" in caplog.text
        assert (SECRET in caplog.text) is leaks


def test_a_hostile_chat_template_in_a_model_file_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A GGUF carries its chat template as Jinja code. The app renders harmony itself and never
    renders the file's template; where a template is compiled or rendered (llama-cpp-python's
    formatter), it is Jinja's sandbox, which refuses the usual escape to `os`."""
    import jinja2.sandbox
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    import tests.fixtures.chat_models as chat_models
    from desktop.core.chat import ChatRequest, run_chat
    from desktop.core.gguf_check import inspect_gguf, require_chat_model
    from desktop.core.harmony import Turn
    from desktop.core.runtime import ChatRuntime, LoadOptions, Sampling

    marker = tmp_path / "template-ran"
    payload = ("{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}"
               "{% for m in messages %}{{ m.content }}{% endfor %}")
    monkeypatch.setattr(chat_models, "GPT_OSS_CHAT_TEMPLATE", payload)
    model = chat_models.write_tiny_gpt_oss(tmp_path / "hostile-template.gguf")
    info = inspect_gguf(model)
    assert info.metadata["tokenizer.chat_template"] == payload
    require_chat_model(info)  # it parses: refusing it is not the defence, never running it is

    runtime = ChatRuntime(model, LoadOptions(n_ctx=1024))
    try:
        result = run_chat(runtime, ChatRequest((Turn("user", "hello"),)), Sampling(max_tokens=4, seed=1))
    finally:
        runtime.close()
    assert result.prompt.startswith("<|start|>system<|message|>") and "hello" in result.prompt
    assert not marker.exists()

    formatter = Jinja2ChatFormatter(payload, eos_token="<|return|>", bos_token="<|startoftext|>")
    with pytest.raises(jinja2.sandbox.SecurityError):
        formatter(messages=[{"role": "user", "content": "hello"}])
    assert not marker.exists()
