"""The library on a Milvus server reached by URI: a `milvus-lite server` in another process
(see `servers` for what differs from a real Milvus server), shared by two app homes ("machines")."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from pymilvus import MilvusClient

from desktop.context import AppContext
from desktop.core.library import Library
from desktop.core.library.store import collection_name
from desktop.paths import AppPaths
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.remote.servers import MilvusLiteServer, cli, free_port, scripted_engine

HEAT = "# Heat pumps\n\nThe heat pump defrost cycle runs every 40 minutes in winter.\n"
ROUTER = "# Routers\n\nError 42 means the router lost its uplink.\n"


@pytest.fixture
def milvus(tmp_path: Path):
    """A server of its own per test: a shared collection holds every earlier test's documents."""
    server = MilvusLiteServer(tmp_path / "milvus-data", tmp_path)
    yield server
    server.stop()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "shared-docs"  # the same paths on both machines, as on a network drive
    folder.mkdir()
    (folder / "heat.md").write_text(HEAT)
    (folder / "router.md").write_text(ROUTER)
    return folder


def _machine(home: Path, monkeypatch: pytest.MonkeyPatch, model: Path) -> AppContext:
    monkeypatch.setenv("GPT_OSS_DESKTOP_HOME", str(home))
    ctx = AppContext.load(AppPaths.from_environment())
    ctx.update_settings(replace(ctx.settings, library=replace(ctx.settings.library, embedding_model_path=str(model))))
    return ctx


def test_two_machines_share_one_collection_without_deleting_each_others_chunks(
        milvus: MilvusLiteServer, docs: Path, tmp_path: Path, tiny_bert_gguf: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    a = Library.open(_machine(tmp_path / "machine-a", monkeypatch, tiny_bert_gguf), uri=milvus.uri)
    b = Library.open(_machine(tmp_path / "machine-b", monkeypatch, tiny_bert_gguf), uri=milvus.uri)
    try:
        assert len(a.add([docs]).indexed) == 2
        assert len(b.add([docs]).indexed) == 2  # the same files, indexed by another install
        assert a.chunk_count() == 4  # the whole collection: both machines' chunks

        assert b.remove(docs / "heat.md") == [str(docs / "heat.md")]
        hits = a.search("heat pump defrost cycle", top_k=2)
        assert hits[0].path == str(docs / "heat.md")  # A's copy survived B's remove

        (docs / "router.md").write_text(ROUTER + "\nError 43 means the fan failed.\n")
        assert a.add([docs / "router.md"]).indexed == [str(docs / "router.md")]  # A re-indexes
        assert b.chunk_count(docs / "router.md") == 1  # B's chunk of it is still there
        assert a.chunk_count() == 3

        # Each lists what the other put there; a search shows a file's chunk once, not per machine.
        assert [(d.path, d.owner != "") for d in a.shared_documents()] == [(str(docs / "router.md"), True)]
        assert {d.path for d in b.shared_documents()} == {str(docs / "heat.md"), str(docs / "router.md")}
        texts = [(h.path, h.text) for h in b.search("router error uplink", top_k=5)]
        assert len(texts) == len(set(texts))
    finally:
        a.close()
        b.close()


def test_a_server_collection_gets_hnsw_and_bm25_on_first_use(
        milvus: MilvusLiteServer, docs: Path, tmp_path: Path, tiny_bert_gguf: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    with Library.open(_machine(tmp_path / "m", monkeypatch, tiny_bert_gguf), uri=milvus.uri) as library:
        library.add([docs / "heat.md"])
        name = collection_name(library.model_fingerprint)
    client = MilvusClient(milvus.uri)
    try:
        dense, sparse = client.describe_index(name, "dense"), client.describe_index(name, "sparse")
        fields = {f["name"] for f in client.describe_collection(name)["fields"]}
    finally:
        client.close()
    assert (dense["index_type"], dense["metric_type"]) == ("HNSW", "IP")
    assert (sparse["index_type"], sparse["metric_type"]) == ("SPARSE_INVERTED_INDEX", "BM25")
    assert "owner" in fields


def test_library_commands_through_a_uri(milvus: MilvusLiteServer, docs: Path, tiny_bert_gguf: Path,  # noqa: F811
                                       app_home: Path, tmp_path: Path) -> None:
    options = ["--library-uri", milvus.uri, "--library-token", "root:Milvus", "--embedding-model", str(tiny_bert_gguf)]
    assert cli("library", "add", str(docs), *options, home=app_home).returncode == 0
    other = cli("library", "add", str(docs / "router.md"), *options, home=tmp_path / "other-home")
    assert other.returncode == 0, other.stderr
    listed = json.loads(cli("library", "list", "--json", *options, home=app_home).stdout)
    assert {(d["path"], d["status"]) for d in listed} >= {
        (str(docs / "heat.md"), "indexed"), (str(docs / "router.md"), "indexed"), (str(docs / "router.md"), "shared")}
    found = json.loads(cli("library", "search", "defrost cycle", "--json", *options, home=app_home).stdout)
    assert found[0]["path"] == str(docs / "heat.md")
    assert cli("library", "remove", str(docs / "heat.md"), *options, home=app_home).returncode == 0
    # The laptop's own library was never touched.
    local = json.loads(cli("library", "list", "--json", "--embedding-model", str(tiny_bert_gguf), home=app_home).stdout)
    assert local == []


@pytest.mark.parametrize("action", [["list"], ["search", "pumps"], ["add", "."]])
def test_library_commands_against_an_unreachable_server_are_one_line(action: list[str], tiny_bert_gguf: Path,  # noqa: F811
                                                                     app_home: Path, docs: Path) -> None:
    uri = f"http://127.0.0.1:{free_port()}"
    out = cli("library", *action, "--library-uri", uri, "--embedding-model", str(tiny_bert_gguf), home=app_home)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: Cannot reach the Milvus server at {uri}"), out.stderr


def test_ask_grounds_in_the_server_library_and_answers_without_it_when_unreachable(
        milvus: MilvusLiteServer, docs: Path, tiny_bert_gguf: Path, app_home: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(app_home, monkeypatch, tiny_bert_gguf)
    assert cli("library", "add", str(docs), "--library-uri", milvus.uri, home=app_home).returncode == 0
    with scripted_engine("reasoning_content") as engine:
        args = ["ask", "how often does the heat pump defrost?", "--engine-url", engine.url,
                "--engine-model", engine.model, "--json"]
        grounded = cli(*args, "--library-uri", milvus.uri, home=app_home)
        down = cli(*args, "--library-uri", f"http://127.0.0.1:{free_port()}", home=app_home)
    assert grounded.returncode == 0, grounded.stderr
    assert str(docs / "heat.md") in [s["path"] for s in json.loads(grounded.stdout)["sources"]]
    sent = engine.bodies[0]["messages"][-1]["content"]
    assert "<source" in sent and "defrost cycle runs every 40 minutes" in sent  # sources went in the prompt
    assert down.returncode == 0, down.stderr
    assert json.loads(down.stdout)["sources"] == [] and json.loads(down.stdout)["answer"] == "Heat pumps move heat."
    assert "warning: answering without the library: Cannot reach the Milvus server" in down.stderr


def test_library_commands_use_the_milvus_server_chosen_in_settings(milvus: MilvusLiteServer, docs: Path,
                                                                   tiny_bert_gguf: Path,  # noqa: F811
                                                                   app_home: Path) -> None:
    from desktop.engine.api_keys import ApiKeys

    ctx = AppContext.load(AppPaths.from_environment())
    ctx.update_settings(replace(ctx.settings, library=replace(ctx.settings.library, location="server",
                                                              server_uri=milvus.uri)))
    ApiKeys.for_library(ctx.paths.config_dir).set(milvus.uri, "root:Milvus")  # as Settings > Library keeps it
    model = ["--embedding-model", str(tiny_bert_gguf)]
    assert cli("library", "add", str(docs / "heat.md"), *model, home=app_home).returncode == 0
    on_server = json.loads(cli("library", "list", "--json", "--library-uri", milvus.uri, *model, home=app_home).stdout)
    assert [d["path"] for d in on_server] == [str(docs / "heat.md")]  # it went to the server, not the laptop
    assert not ctx.paths.library_db.exists()  # no library was made on this computer
