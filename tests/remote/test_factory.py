"""Where questions and documents go, as the settings say (desktop.engine.factory), with real parts:
a loopback OpenAI-style server, the keys file, Milvus Lite over a real port."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from desktop.context import AppContext
from desktop.core.errors import UserError
from desktop.engine.api_keys import ApiKeys
from desktop.engine.factory import (
    WindowBackend,
    library_target,
    probe_library,
    remote_config,
    server_uri,
)
from desktop.engine.remote import RemoteConfig, probe_engine
from tests.remote.servers import MilvusLiteServer, free_port, scripted_engine


@pytest.fixture(autouse=True)
def no_keychain():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_the_settings_name_the_engine_and_its_kept_key(app_home: Path) -> None:
    ctx = AppContext.load()
    assert remote_config(ctx.settings, ctx.paths.config_dir) is None  # this computer by default
    remote = ctx.settings.with_section("model", engine="remote")
    with pytest.raises(UserError, match="has no URL: set it in Settings > Model"):
        remote_config(remote, ctx.paths.config_dir)
    remote = remote.with_section("model", remote_url="http://gpu-server.local:8000/v1/")
    with pytest.raises(UserError, match="no model: pick one"):
        remote_config(remote, ctx.paths.config_dir)
    remote = remote.with_section("model", remote_model="gpt-oss-120b", remote_timeout_s=90.0)
    ApiKeys(ctx.paths.config_dir).set("http://gpu-server.local:8000/v1", "k-123")
    config = remote_config(remote, ctx.paths.config_dir)
    assert config == RemoteConfig("http://gpu-server.local:8000/v1", "gpt-oss-120b", "k-123", 90.0, 8192)
    assert config.hostname == "gpu-server.local"
    # A library token is kept apart from engine keys, even for the same address.
    assert ApiKeys.for_library(ctx.paths.config_dir).get("http://gpu-server.local:8000/v1") is None


def test_the_database_goes_in_the_uri_and_bad_addresses_are_one_sentence(app_home: Path) -> None:
    assert server_uri("http://milvus.local:19530/", "team") == "http://milvus.local:19530/team"
    assert server_uri("http://milvus.local:19530/team", "team") == "http://milvus.local:19530/team"
    assert server_uri("http://milvus.local:19530") == "http://milvus.local:19530"
    with pytest.raises(UserError, match="names database 'a' and the Database field 'b'"):
        server_uri("http://milvus.local:19530/a", "b")
    with pytest.raises(UserError, match="must start with http://"):
        server_uri("milvus.local:19530")
    ctx = AppContext.load()
    settings = ctx.settings.with_section("library", location="server", server_uri="http://m:19530",
                                         server_database="team")
    ApiKeys.for_library(ctx.paths.config_dir).set("http://m:19530", "root:Milvus")
    assert library_target(settings, ctx.paths.config_dir) == ("http://m:19530/team", "root:Milvus")
    assert library_target(ctx.settings, ctx.paths.config_dir) is None


def test_probe_counts_the_models_a_server_lists() -> None:
    with scripted_engine("reasoning_content", model="gpt-oss-120b", max_model_len=131072) as engine:
        probe = probe_engine(engine.url, None, 5)
    assert probe.ok and probe.models == ("gpt-oss-120b",)
    assert probe.message == f"Reached {engine.url.split('/')[2]}: it serves 1 model (gpt-oss-120b)."


def test_a_window_backend_on_a_server_that_is_down_says_so_and_keeps_nothing_half_made() -> None:
    backend = WindowBackend()
    with pytest.raises(UserError, match="Cannot reach the engine at 127.0.0.1:"):
        backend.use_remote(RemoteConfig(f"http://127.0.0.1:{free_port()}/v1", "m", timeout_s=2))
    assert backend.remote is None and backend.capacity == 1
    with scripted_engine("reasoning_content", model="gpt-oss-120b", max_model_len=65536) as engine:
        model = backend.use_remote(RemoteConfig(engine.url, "gpt-oss-120b"))
        assert (model.name, model.n_ctx) == ("gpt-oss-120b", 65536)  # the server's own context length
        assert backend.remote is not None and backend.remote.model == "gpt-oss-120b" and backend.capacity == 4
        backend.close()


def test_probe_library_reaches_a_milvus_server_by_uri_and_says_when_it_cannot(tmp_path: Path) -> None:
    milvus = MilvusLiteServer(tmp_path / "data", tmp_path)
    try:
        probe = probe_library(milvus.uri, None)
        assert probe.ok and probe.message == (f"Reached the Milvus server at 127.0.0.1:{milvus.port} "
                                              f"(database default): 0 collections.")
    finally:
        milvus.stop()
    down = probe_library(f"http://127.0.0.1:{free_port()}", None, timeout_s=2)
    assert not down.ok and down.message.startswith("Cannot reach the Milvus server at 127.0.0.1:")
    assert not probe_library("milvus.local", None).ok
