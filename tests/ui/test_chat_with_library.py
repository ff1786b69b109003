"""Cited answers in the real window: documents indexed in the Library pane ground the next answer."""

from __future__ import annotations

from pathlib import Path

from desktop.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.message_widgets import AssistantMessage
from desktop.ui.settings_hub import SettingsHub
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)


def test_library_sources_reach_the_prompt_and_the_sources_strip(qtbot, tmp_path: Path, tiny_gpt_oss: Path,
                                                                tiny_bert_gguf: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "router.md").write_text("# Router\n\nThe router error XJ-42 means the fibre cable is loose.\n")
    (docs / "bread.txt").write_text("Bread needs flour, water, salt and yeast.\n")
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss))
                        .with_section("sampling", max_tokens=12, seed=3)
                        .with_section("library", embedding_model_path=str(tiny_bert_gguf), top_k=2))
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None and win.library_service.library is not None,
                    timeout=30_000)
    win.library.add_paths([str(docs)])
    qtbot.waitUntil(lambda: "2 documents" in win.chat.use_library.text(), timeout=60_000)
    assert win.chat.use_library.isEnabled() and win.chat.use_library.isChecked()
    # It switched itself on when the documents arrived, and says so.
    assert win.chat.notice.isVisible() and "Use library" in win.chat.notice.text()

    win.chat.input.setPlainText("What does router error XJ-42 mean?")
    win.chat.send()
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=30_000)
    prompt = win.chat.last_prompt
    assert "<source n=\"1\"" in prompt and "untrusted" in prompt
    assert "XJ-42 means the fibre cable is loose" in prompt
    answer = [w for w in win.chat._message_widgets() if isinstance(w, AssistantMessage)][-1]
    assert answer.sources_label.isVisible() and "router.md" in answer.sources_label.text()
    stored = win.store.messages(win.chat.conversation_id)
    assert stored[0].text == "What does router error XJ-42 mean?"  # the question is stored plain
    assert [s["path"] for s in stored[-1].sources][:1] == [str(docs / "router.md")]

    win.chat.use_library.setChecked(False)  # per conversation: off for this chat
    win.chat.input.setPlainText("And without the library?")
    win.chat.send()
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=30_000)
    assert "<source" not in win.chat.last_prompt.split("And without the library?")[0].split("<|start|>user")[-1]
    win.close()


def test_files_dropped_on_the_chat_input_belong_to_that_chat(qtbot, tmp_path: Path, tiny_gpt_oss: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    note = tmp_path / "boiler.md"
    note.write_text("# Boiler\n\nThe boiler code F28 means no ignition.\n")
    ctx = AppContext.load()
    ctx.update_settings(ctx.settings.with_section("model", chat_model_path=str(tiny_gpt_oss))
                        .with_section("sampling", max_tokens=6))
    win = MainWindow(SettingsHub(ctx))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.model is not None, timeout=30_000)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note)), QUrl.fromLocalFile(str(tmp_path))])
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    win.chat.input.dropEvent(drop)
    assert "boiler.md" in win.chat.attachments_label.text()
    win.chat.input.setPlainText("What does F28 mean?")
    win.chat.send()
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=30_000)
    assert "F28 means no ignition" in win.chat.last_prompt  # small file: sent whole
    first = win.chat.conversation_id

    win.chat.new_conversation()  # another chat does not see the file
    assert not win.chat.attachments_label.isVisible()
    win.chat.input.setPlainText("What does F28 mean?")
    win.chat.send()
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=30_000)
    assert "F28 means no ignition" not in win.chat.last_prompt

    win.chat.open_conversation(first)  # and the first chat keeps it
    qtbot.waitUntil(lambda: win.chat.conversation_id == first, timeout=5000)  # read on a worker
    assert "boiler.md" in win.chat.attachments_label.text()
    win.close()
