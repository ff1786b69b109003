"""The real window, offscreen, with a remote engine and a library on a Milvus server.

Remote engines on 127.0.0.1: llama-cpp-python's own server (`llama_cpp.server`, a third-party
engine) serving the scripted tiny gpt-oss model, and this app's own `serve` in a second process.
The library server is `milvus-lite server` in another process, reached by URI. Secrets go to the
0600 file (no keychain in tests), never to settings.json.
"""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from desktop.context import AppContext
from desktop.engine.api_keys import ApiKeys
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)
from tests.fixtures.scripted_chat_model import PLAIN, scripted_gpt_oss  # noqa: F401  (session fixture)
from tests.remote.servers import LlamaCppServer, MilvusLiteServer, free_port, scripted_engine
from tests.server.serving import serving

KEY = "team-key-123"
SERVE_KEY = "app-serve-key"


@pytest.fixture(autouse=True)
def no_keychain():
    """Keys go to the 0600 file, as on a machine without a keychain."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def llama_server(scripted_gpt_oss: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    server = LlamaCppServer(scripted_gpt_oss, tmp_path_factory.mktemp("logs"), api_key=KEY)
    yield server
    server.kill()


@pytest.fixture(scope="module")
def app_serve(tiny_gpt_oss: Path, tmp_path_factory: pytest.TempPathFactory):
    """This app's own `serve`, in a second process with its own home."""
    with serving("--model", str(tiny_gpt_oss), "--api-key", SERVE_KEY,
                 home=tmp_path_factory.mktemp("serve-home")) as served:
        yield served


def _window(qtbot, ctx: AppContext) -> MainWindow:
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    return win


def _answers(win: MainWindow):
    from desktop.ui.message_widgets import AssistantMessage

    return win.chat.messages.findChildren(AssistantMessage)


def _ask(qtbot, win: MainWindow, question: str):
    win.chat.input.setPlainText(question)
    qtbot.keyClick(win.chat.input, Qt.Key.Key_Return)
    # The turn has ended when its answer shows a status line (speed, or why it stopped).
    qtbot.waitUntil(lambda: bool(_answers(win)) and bool(_answers(win)[-1].status.text())
                    and not win.engine.busy, timeout=60_000)
    return _answers(win)[-1]


def _test(qtbot, box) -> str:
    box.test_connection()
    qtbot.waitUntil(lambda: not box.testing, timeout=30_000)
    return box.test_result.text()


# -- Settings > Model: Test connection ----------------------------------------------------------

def test_test_connection_says_in_one_sentence_what_answered(qtbot, app_serve, app_home: Path) -> None:
    win = _window(qtbot, AppContext.load())
    box = win.settings_pane.engine_box
    assert not box.details.isVisibleTo(box)  # this computer: no server fields
    box.choices["remote"].click()
    assert win.hub.settings.model.engine == "remote" and box.details.isVisibleTo(box)
    qtbot.keyClicks(box.url, app_serve.base_url)
    qtbot.keyClick(box.url, Qt.Key.Key_Return)  # saved; a test runs at once (no key yet)
    qtbot.waitUntil(lambda: not box.testing, timeout=30_000)
    assert "refused the API key (401" in box.test_result.text()  # the server needs one
    box.secret.setText("not-the-key")
    assert "refused the API key (401" in _test(qtbot, box)  # the typed key is tried before it is kept
    box.secret.setText(SERVE_KEY)
    box.secret.editingFinished.emit()  # kept for this URL (the 0600 file: no keychain here)
    qtbot.waitUntil(lambda: "readable by you only" in box.secret_where.text(), timeout=10_000)
    message = _test(qtbot, box)
    assert message.startswith("Reached 127.0.0.1:") and "it serves 1 model (tiny-gpt-oss)" in message, message
    # The listed model is offered and, as none was chosen yet, chosen.
    assert [box.model.itemText(i) for i in range(box.model.count())] == ["tiny-gpt-oss"]
    assert win.hub.settings.model.remote_model == "tiny-gpt-oss"
    # The key is in the owner-only file, never in settings.json.
    keys = ApiKeys(win.hub.ctx.paths.config_dir)
    assert keys.get(app_serve.base_url) == SERVE_KEY
    assert stat.S_IMODE(keys.file.stat().st_mode) == 0o600
    assert SERVE_KEY not in win.hub.ctx.paths.settings_file.read_text()
    saved = json.loads(win.hub.ctx.paths.settings_file.read_text())["model"]
    assert (saved["engine"], saved["remote_url"]) == ("remote", app_serve.base_url)
    # Nothing listening there: said at once, without blocking the window.
    box.url.setText(f"http://127.0.0.1:{free_port()}/v1")
    box.url.editingFinished.emit()
    qtbot.waitUntil(lambda: not box.testing, timeout=30_000)
    assert "Nothing answers at 127.0.0.1:" in box.test_result.text()
    win.close()


def test_test_connection_tells_a_web_server_and_a_silent_one_apart(qtbot, app_home: Path) -> None:
    import http.server
    import threading

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    win = _window(qtbot, AppContext.load())
    box = win.settings_pane.engine_box
    try:
        box.choices["remote"].click()
        box.timeout.setValue(2)
        assert win.hub.settings.model.remote_timeout_s == 2.0
        box.url.setText(f"http://127.0.0.1:{web.server_address[1]}/v1")
        box.url.editingFinished.emit()
        qtbot.waitUntil(lambda: not box.testing, timeout=30_000)
        assert "answered, but not as an OpenAI-compatible server" in box.test_result.text()
        box.url.setText(f"http://127.0.0.1:{silent.getsockname()[1]}/v1")
        box.url.editingFinished.emit()
        qtbot.waitUntil(lambda: not box.testing, timeout=30_000)
        assert "did not answer within 2 s" in box.test_result.text()
        box.url.setText("gpu-server:8000")  # no scheme: refused before anything is sent
        box.url.editingFinished.emit()
        assert box.error.isVisibleTo(box) and "must start with http://" in box.error.text()
        assert win.hub.settings.model.remote_url.endswith("/v1")  # the refused text was not saved
    finally:
        win.close()
        web.shutdown()
        silent.close()


# -- the window on a remote engine ---------------------------------------------------------------

def test_a_chat_turn_answered_by_llama_cpp_server_shows_reasoning_apart(
        qtbot, llama_server: LlamaCppServer, tiny_gpt_oss: Path, app_home: Path) -> None:
    ctx = AppContext.load()
    ApiKeys(ctx.paths.config_dir).set(llama_server.url, KEY)
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss), engine="remote",
                                                  remote_url=llama_server.url, remote_model=llama_server.alias))
    win = _window(qtbot, ctx)
    bar = win.chat.model_bar
    qtbot.waitUntil(lambda: win.engine.model is not None and win.engine.remote is not None, timeout=30_000)
    # Privacy in the open: where questions go, the host alone.
    assert bar.destination.isVisibleTo(win) and bar.destination.text() == "Questions go to 127.0.0.1"
    assert "remote engine" in bar.banner.text() and llama_server.alias in bar.banner.text()
    # The picker lists this computer's model and the server's, side by side.
    qtbot.waitUntil(lambda: bar.remote_models == (llama_server.alias,), timeout=30_000)
    items = [bar.model_picker.itemData(i) for i in range(bar.model_picker.count())]
    assert ("local", str(tiny_gpt_oss)) in items and ("remote", llama_server.alias) in items
    assert bar.model_picker.currentData() == ("remote", llama_server.alias)
    answer = _ask(qtbot, win, "hello there")
    # The server passes gpt-oss's raw harmony through; the window shows the channels apart.
    assert answer.answer_text == PLAIN.answer, (answer.status.text(), answer.reasoning_text)
    assert answer.reasoning_text == PLAIN.reasoning and "<|" not in answer.answer_text
    stored = win.store.messages(win.chat.conversation_id)[-1]
    assert (stored.text, stored.reasoning, stored.status) == (PLAIN.answer, PLAIN.reasoning, "complete")
    # This server does not say its context length: the setting is used, and applies at once (no reload).
    win.hub.update("model", context_length=16384)
    qtbot.waitUntil(lambda: "context 16,384 tokens" in bar.banner.text(), timeout=30_000)
    assert win.engine.remote is not None and not win.settings_pane.reload_notice.isVisibleTo(win.settings_pane)
    # Back to this computer from the picker: the local model loads, the line goes.
    bar.model_picker.setCurrentIndex(items.index(("local", str(tiny_gpt_oss))))
    bar.model_picker.activated.emit(bar.model_picker.currentIndex())
    qtbot.waitUntil(lambda: win.engine.model is not None and win.engine.remote is None, timeout=30_000)
    assert not bar.destination.isVisibleTo(win) and win.hub.settings.model.engine == "local"
    win.close()


def test_choosing_the_apps_own_serve_in_settings_switches_the_window(
        qtbot, app_serve, tiny_gpt_oss: Path, app_home: Path) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss))
                        .with_section("sampling", max_tokens=8))
    win = _window(qtbot, ctx)
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=30_000)
    assert win.engine.remote is None and not win.chat.model_bar.destination.isVisibleTo(win)
    box = win.settings_pane.engine_box
    gpu_layers = win.settings_pane.editors[("model", "gpu_layers")]
    assert gpu_layers.isVisibleTo(win.settings_pane)
    box.choices["remote"].click()
    assert not gpu_layers.isVisibleTo(win.settings_pane)  # a server's model has no GPU layers here
    box.secret.setText(SERVE_KEY)
    box.url.setText(app_serve.base_url)
    box.url.editingFinished.emit()  # saves the URL, tests it, lists and chooses the model
    box.secret.editingFinished.emit()  # keeps the key: the window connects with it
    qtbot.waitUntil(lambda: win.engine.remote is not None and win.engine.model is not None, timeout=30_000)
    assert win.engine.remote.model == "tiny-gpt-oss" and win.engine.remote.api_key == SERVE_KEY
    assert win.chat.model_bar.destination.text() == "Questions go to 127.0.0.1"
    # Settings > Data & privacy says it too.
    assert "the chat so far and the passages found for them go to the engine at 127.0.0.1" in \
        win.settings_pane.privacy.text()
    answer = _ask(qtbot, win, "Say something")
    assert answer.answer_text or answer.reasoning_text  # the tiny random model's words, from the other process
    assert win.chat.send_button.text() == "Send"
    box.choices["local"].click()  # back to this computer: the GGUF loads again
    qtbot.waitUntil(lambda: win.engine.remote is None and win.engine.model is not None, timeout=30_000)
    assert not win.chat.model_bar.destination.isVisibleTo(win) and gpu_layers.isVisibleTo(win.settings_pane)
    assert win.settings_pane.privacy.text().startswith("Everything stays on this computer")
    win.close()


def test_an_engine_that_is_down_keeps_the_local_model_and_says_why(qtbot, tiny_gpt_oss: Path,
                                                                  app_home: Path) -> None:
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss)))
    win = _window(qtbot, ctx)
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=30_000)
    win.hub.update("model", engine="remote", remote_url=f"http://127.0.0.1:{free_port()}/v1", remote_model="big")
    bar = win.chat.model_bar
    qtbot.waitUntil(lambda: "Still using" in bar.banner.text(), timeout=30_000)
    assert "Cannot reach the engine at 127.0.0.1:" in bar.banner.text()
    assert win.engine.remote is None and not bar.destination.isVisibleTo(win)
    assert win.chat.send_button.isEnabled()  # the local model still answers
    win.settings_pane.engine_box.choices["local"].click()  # back to this computer: the warning goes
    assert win.hub.settings.model.engine == "local"
    assert bar.banner.text().startswith("Model: tiny-gpt-oss") and "Cannot reach" not in bar.banner.text()
    win.close()


def test_stop_in_the_window_closes_the_stream_of_a_silent_server(qtbot, app_home: Path) -> None:
    with scripted_engine("stall", model="gpt-oss-120b", max_model_len=65536) as engine:
        ctx = AppContext.load()
        ctx.update_settings(ctx.settings.with_section("model", engine="remote", remote_url=engine.url,
                                                      remote_model="gpt-oss-120b"))
        win = _window(qtbot, ctx)
        qtbot.waitUntil(lambda: win.engine.remote is not None and win.engine.model is not None, timeout=30_000)
        assert "context 65,536 tokens" in win.chat.model_bar.banner.text()  # the server's own length
        win.chat.input.setPlainText("How do heat pumps work?")
        qtbot.keyClick(win.chat.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bool(_answers(win)) and _answers(win)[-1].answer_text == "Heat pumps move heat.",
                        timeout=30_000)  # the server then goes silent mid-answer
        answer = _answers(win)[-1]
        assert answer.reasoning_text == "The user asks about pumps."
        qtbot.mouseClick(win.chat.send_button, Qt.MouseButton.LeftButton)  # Stop
        qtbot.waitUntil(lambda: not win.engine.busy, timeout=5_000)
        assert answer.status.text().startswith("stopped") and win.chat.send_button.text() == "Send"
        assert engine.disconnected.wait(5)  # the HTTP stream was closed: the server stops generating
        win.close()


# -- Settings > Library: a Milvus server ---------------------------------------------------------

def test_the_library_on_a_milvus_server_chosen_in_settings(qtbot, tmp_path: Path, tiny_bert_gguf: Path,  # noqa: F811
                                                           app_home: Path) -> None:
    milvus = MilvusLiteServer(tmp_path / "milvus-data", tmp_path)
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("library", embedding_model_path=str(tiny_bert_gguf)))
    win = _window(qtbot, ctx)
    try:
        service = win.library_service
        qtbot.waitUntil(lambda: service.library is not None, timeout=60_000)
        assert "://" not in service.library.uri  # this computer's store first
        box = win.settings_pane.library_box
        box.uri.setText(milvus.uri)
        box.uri.editingFinished.emit()
        box.secret.setText("root:Milvus")
        box.secret.editingFinished.emit()
        qtbot.waitUntil(lambda: "readable by you only" in box.secret_where.text(), timeout=10_000)
        assert "root:Milvus" not in win.hub.ctx.paths.settings_file.read_text()
        message = _test(qtbot, box)
        assert message.startswith(f"Reached the Milvus server at 127.0.0.1:{milvus.port} (database default):"), message
        box.choices["server"].click()  # the window's library re-opens there
        assert "go to the Milvus server at 127.0.0.1" in win.settings_pane.privacy.text()
        qtbot.waitUntil(lambda: service.library is not None and service.library.uri == milvus.uri, timeout=60_000)
        service.add([str(_note(tmp_path))])
        qtbot.waitUntil(lambda: not service.busy, timeout=60_000)
        hits = service.library.search("heat pump defrost", top_k=1)
        assert hits and "defrost" in hits[0].text
        # A new token for the same server: kept, and the library reconnects with it.
        opened = service.library
        box.secret.setText("root:NewPassword")
        box.secret.editingFinished.emit()
        qtbot.waitUntil(lambda: service.library is not None and service.library is not opened, timeout=60_000)
        assert service.library.uri == milvus.uri
        assert ApiKeys.for_library(win.hub.ctx.paths.config_dir).get(milvus.uri) == "root:NewPassword"
        # The server goes away: the chat says it answers without the library.
        down = f"http://127.0.0.1:{free_port()}"
        assert "Cannot reach the Milvus server" in _test_uri(qtbot, box, down)
        qtbot.waitUntil(lambda: "answers are written without your documents" in win.chat.notice.text(),
                        timeout=60_000)
        assert win.chat.notice.isVisibleTo(win) and "Cannot reach the Milvus server" in win.chat.notice.text()
        assert service.library is None and win.chat.composer.retriever() is None
    finally:
        win.close()
        milvus.stop()


def _test_uri(qtbot, box, uri: str) -> str:
    box.uri.setText(uri)
    box.uri.editingFinished.emit()
    return _test(qtbot, box)


def _note(folder: Path) -> Path:
    note = folder / "heat-pump.md"
    note.write_text("# Heat pump\n\nThe heat pump runs a defrost cycle every 40 minutes in winter.\n")
    return note
