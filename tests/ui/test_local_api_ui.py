"""Settings → Local API in the real window (offscreen): turning it on serves the window's own model
to the official `openai` client on 127.0.0.1 (with the key, refused without), turning it off frees
the port, a port in use is a sentence in Settings, and the chat and an API request share the one
model (one waits, both complete). Real llama.cpp, real uvicorn, real HTTP on loopback."""

from __future__ import annotations

import socket
import stat
import threading
from pathlib import Path

import numpy as np
import openai
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop.context import AppContext
from desktop.core.embeddings import Embedder
from desktop.server.hosted import HostedApi
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.settings_local_api import LocalApiPanel
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)

MODEL = "tiny-gpt-oss"  # the file name without .gguf


@pytest.fixture
def window(qtbot, tiny_gpt_oss: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")  # never the user's keychain
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss), context_length=8192)
                        .with_section("sampling", max_tokens=40, seed=7))
    win = MainWindow(SettingsHub(ctx), api_factory=HostedApi)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=15_000)
    yield win
    win.close()


def _choose(win: MainWindow, name: str, value: object) -> None:
    """Set one Local API field the way a person does, through its control in Settings."""
    editor = win.settings_pane.editors[("api", name)].editor
    if name == "port":
        editor.setValue(value)
    else:
        editor.setCurrentIndex(editor.findData(value))


def _panel(win: MainWindow) -> LocalApiPanel:
    return win.settings_pane.findChild(LocalApiPanel)


def _serve(qtbot, win: MainWindow) -> str:
    _choose(win, "port", 0)  # Any free port: tests never collide
    _choose(win, "access", "local")
    qtbot.waitUntil(lambda: win.local_api.status.state in ("serving", "failed"), timeout=20_000)
    assert win.local_api.status.state == "serving", win.local_api.status.message
    return win.local_api.status.url


def _port_is_free(port: int) -> bool:
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as any server binds
    try:
        probe.bind(("127.0.0.1", port))
        probe.listen()
        return True
    except OSError:
        return False
    finally:
        probe.close()


def test_turning_the_api_on_serves_the_window_model_with_its_key_and_off_frees_the_port(qtbot, window) -> None:
    assert not window.api_indicator.isVisible()  # off by default: nothing listens, nothing shown
    url = _serve(qtbot, window)
    port = window.local_api.status.port
    assert url == f"http://127.0.0.1:{port}/v1"
    panel = _panel(window)
    qtbot.waitUntil(lambda: panel.status_line.text() == f"Serving on {url}")
    assert window.api_indicator.isVisible() and window.api_indicator.text() == f"API on :{port}"

    # The key is shown and copyable; it lives in a file only its owner reads (no keychain here).
    key = panel.key_field.text()
    assert key.startswith("sk-local-") and panel.key_row.isVisibleTo(panel)
    qtbot.mouseClick(panel.copy_key, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == key
    qtbot.mouseClick(panel.copy_url, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url
    key_file = Path(window.local_api.keys.where)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and key not in window.hub.ctx.paths.settings_file.read_text()

    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=60)
    assert [m.id for m in client.models.list()] == [MODEL]
    reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hello"}],
                                           max_tokens=6, seed=1)
    assert reply.model == MODEL and reply.usage.completion_tokens == 6
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=url, api_key="sk-wrong", max_retries=0).models.list()

    # Turned off: the port is free again and the indicator goes.
    _choose(window, "access", "off")
    qtbot.waitUntil(lambda: window.local_api.status.state == "off", timeout=20_000)
    assert _port_is_free(port)
    with pytest.raises(openai.APIConnectionError):
        client.models.list()
    assert not window.api_indicator.isVisible()


def test_on_this_computer_the_key_may_be_turned_off_and_regenerate_refuses_the_old_key(qtbot, window) -> None:
    _choose(window, "key", "off")
    url = _serve(qtbot, window)
    panel = _panel(window)
    qtbot.waitUntil(lambda: "No key is asked for" in panel.key_note.text())
    assert not panel.key_row.isVisibleTo(panel)
    anyone = openai.OpenAI(base_url=url, api_key="anything", max_retries=0, timeout=60)
    assert [m.id for m in anyone.models.list()] == [MODEL]

    _choose(window, "key", "required")
    qtbot.waitUntil(lambda: window.local_api.status.state == "serving" and bool(window.local_api.status.key),
                    timeout=20_000)
    old_key = window.local_api.status.key
    url = window.local_api.status.url
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=url, api_key="anything", max_retries=0).models.list()
    window.local_api.regenerate_key()  # what Regenerate does once the person confirms
    qtbot.waitUntil(lambda: window.local_api.status.state == "serving" and window.local_api.status.key != old_key,
                    timeout=20_000)
    new_key, url = window.local_api.status.key, window.local_api.status.url
    qtbot.waitUntil(lambda: panel.key_field.text() == new_key)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=url, api_key=old_key, max_retries=0).models.list()
    assert [m.id for m in openai.OpenAI(base_url=url, api_key=new_key, max_retries=0).models.list()] == [MODEL]


def test_a_port_in_use_is_a_sentence_in_settings_and_another_port_serves(qtbot, window) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        _choose(window, "port", port)
        _choose(window, "access", "local")
        qtbot.waitUntil(lambda: window.local_api.status.state == "failed", timeout=20_000)
        panel = _panel(window)
        qtbot.waitUntil(lambda: f"Port {port} is in use" in panel.status_line.text())
        assert window.api_indicator.text() == "API not serving"
        assert f"Port {port} is in use" in window.api_indicator.toolTip()
        _choose(window, "port", 0)
        qtbot.waitUntil(lambda: window.local_api.status.state == "serving", timeout=20_000)
        assert window.local_api.status.port != port
    finally:
        taken.close()


def test_an_origin_that_is_not_one_is_a_sentence_in_settings(qtbot, window) -> None:
    _serve(qtbot, window)
    origins = window.settings_pane.editors[("api", "cors_origins")]
    origins.editor.setText("localhost:3000")
    origins.commit()
    qtbot.waitUntil(lambda: window.local_api.status.state == "failed", timeout=20_000)
    assert "'localhost:3000' is not a web page origin" in _panel(window).status_line.text()
    origins.editor.setText("http://localhost:3000")
    origins.commit()
    qtbot.waitUntil(lambda: window.local_api.status.state == "serving", timeout=20_000)


def test_the_chat_and_an_api_request_share_the_one_model_one_waits_both_complete(qtbot, window) -> None:
    url = _serve(qtbot, window)
    client = openai.OpenAI(base_url=url, api_key=window.local_api.status.key, max_retries=0, timeout=120)
    first_piece = threading.Event()
    api: dict[str, object] = {}

    def ask_over_http() -> None:  # an editor or script, on its own thread
        try:
            pieces, finish = [], None
            for chunk in client.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": "Write a long story"}], max_tokens=1500,
                    seed=3, stream=True):
                for choice in chunk.choices:
                    pieces.append((choice.delta.content or "") + ((choice.delta.model_extra or {}).get("reasoning") or ""))
                    finish = choice.finish_reason or finish
                first_piece.set()
            api.update(text="".join(pieces), finish=finish)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            api["error"] = exc
            first_piece.set()

    caller = threading.Thread(target=ask_over_http)
    caller.start()
    qtbot.waitUntil(first_piece.is_set, timeout=30_000)
    assert "error" not in api, api
    qtbot.waitUntil(lambda: "answering" in window.api_indicator.text(), timeout=10_000)

    # The person asks while the API request holds the model: their turn waits, then runs.
    chat = window.chat
    chat.input.setPlainText("Hello there")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    answer = lambda: chat.findChildren(AssistantMessage)[-1]  # noqa: E731
    qtbot.waitUntil(lambda: bool(chat.findChildren(AssistantMessage)) and "queued" in answer().status.text(),
                    timeout=10_000)
    assert not answer().answer_text

    caller.join(120)
    assert "error" not in api, api
    assert api["finish"] == "length" and api["text"]
    qtbot.waitUntil(lambda: not window.engine.busy, timeout=60_000)
    saved = window.store.messages(chat.conversation_id)[-1]
    assert saved.status == "complete" and saved.finish_reason == "length", (saved.status, saved.finish_reason)
    assert "answering" not in window.api_indicator.text()


def test_the_indicator_opens_local_api_settings_and_closing_the_window_frees_the_port(qtbot, window) -> None:
    _serve(qtbot, window)
    port = window.local_api.status.port
    qtbot.waitUntil(window.api_indicator.isVisible)
    qtbot.mouseClick(window.api_indicator, Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.settings_pane
    card = window.settings_pane.sections["api"]
    qtbot.waitUntil(lambda: card.visibleRegion().boundingRect().height() > 0)
    assert _panel(window).status_line.isVisible()
    window.close()  # with the API on: it stops with the window, before the engine
    assert _port_is_free(port)


def test_the_library_embedding_model_is_served_with_the_vectors_the_library_stores(
        qtbot, window, tiny_bert_gguf: Path) -> None:
    window.hub.update("library", embedding_model_path=str(tiny_bert_gguf))
    url = _serve(qtbot, window)
    client = openai.OpenAI(base_url=url, api_key=window.local_api.status.key, max_retries=0, timeout=60)
    assert sorted(m.id for m in client.models.list()) == ["tiny-bert", MODEL]
    texts = ["heat pump manual", "the cat sat by the river"]
    library = Embedder(tiny_bert_gguf)
    try:
        expected = library.embed_documents(texts)
    finally:
        library.close()
    reply = client.embeddings.create(model="tiny-bert", input=texts, encoding_format="float")
    np.testing.assert_array_equal(np.array([d.embedding for d in reply.data], dtype=np.float32), expected)
