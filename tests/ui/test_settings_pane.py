"""The Settings pane offscreen: proper controls, a readable column, restore, live path checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop.context import AppContext
from desktop.ui.settings_hub import SettingsHub
from desktop.ui.settings_pane import SettingsPane
from tests.fixtures.embedding_models import tiny_bert_gguf  # noqa: F401  (session fixture)


@pytest.fixture
def hub() -> SettingsHub:
    return SettingsHub(AppContext.load())


@pytest.fixture
def pane(qtbot, hub: SettingsHub) -> SettingsPane:
    widget = SettingsPane(hub)
    qtbot.addWidget(widget)
    widget.resize(1600, 1000)
    widget.show()
    return widget


def _control(pane: SettingsPane, section: str, name: str) -> QWidget:
    """The control a user types into for one setting, found by its accessible name."""
    labels = {("model", "gpu_layers"): "GPU layers", ("model", "context_length"): "Context length",
              ("sampling", "seed"): "Seed", ("sampling", "temperature"): "Temperature",
              ("library", "embedding_model_path"): "Embedding model", ("model", "chat_model_path"): "Chat model"}
    return next(w for w in pane.findChildren(QWidget) if w.accessibleName() == labels[(section, name)])


def _shown(text: str) -> str:
    """What a button or group box title shows: a single & marks a mnemonic and is not drawn."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _visible_texts(pane: SettingsPane) -> list[str]:
    texts = [label.text() for label in pane.findChildren(QLabel) if label.isVisible()]
    texts += [_shown(box.title()) for box in pane.findChildren(QGroupBox)]
    texts += [_shown(b.text()) for b in pane.findChildren(QAbstractButton) if b.isVisible()]
    texts += [box.text() for box in pane.findChildren(QAbstractSpinBox)]
    return texts


def test_numbers_are_spin_boxes_with_units_ranges_and_words_for_modes(qtbot, pane: SettingsPane,
                                                                      hub: SettingsHub) -> None:
    layers = _control(pane, "model", "gpu_layers")
    assert isinstance(layers, QSpinBox) and layers.text() == "Auto"
    layers.stepUp()  # one step above Auto: no layer on the GPU
    assert hub.settings.model.gpu_layers == 0 and layers.text() == "0 layers"
    layers.stepDown()
    assert hub.settings.model.gpu_layers == -1 and layers.text() == "Auto"

    context = _control(pane, "model", "context_length")
    assert isinstance(context, QSpinBox) and context.text() == "8192 tokens"
    assert (context.minimum(), context.maximum()) == (512, 131072)
    context.lineEdit().selectAll()
    qtbot.keyClicks(context, "16384")
    context.editingFinished.emit()
    context.interpretText()
    assert hub.settings.model.context_length == 16384
    context.lineEdit().selectAll()
    qtbot.keyClicks(context, "999999")  # beyond the range: the box does not take it
    context.interpretText()
    assert hub.settings.model.context_length <= 131072

    assert _control(pane, "sampling", "seed").text() == "Random"
    assert isinstance(_control(pane, "sampling", "temperature"), QDoubleSpinBox)
    assert not [text for text in _visible_texts(pane) if re.search(r"(^|[\s(])-1\b", text)]  # no magic numbers
    assert isinstance(next(w for w in pane.findChildren(QComboBox) if w.accessibleName() == "Theme"), QComboBox)


def test_section_titles_show_their_ampersand(pane: SettingsPane) -> None:
    texts = _visible_texts(pane)
    assert "Model & runtime" in texts and "Data & privacy" in texts
    # No title or label anywhere loses an "&" to a keyboard mnemonic.
    eaten = [b.text() for b in pane.findChildren(QAbstractButton) if "&" in b.text().replace("&&", "")]
    eaten += [box.title() for box in pane.findChildren(QGroupBox) if "&" in box.title().replace("&&", "")]
    eaten += [label.text() for label in pane.findChildren(QLabel)
              if label.buddy() is not None and "&" in label.text().replace("&&", "")]
    assert eaten == []


@pytest.mark.parametrize("size", [(1600, 1000), (900, 600)])
def test_a_readable_centred_column_with_compact_controls(qtbot, pane: SettingsPane, size: tuple[int, int]) -> None:
    pane.resize(*size)
    qtbot.waitUntil(lambda: pane.width() == size[0])
    for section, card in pane.sections.items():
        left = card.mapTo(pane, card.rect().topLeft()).x()
        right = pane.width() - (left + card.width())
        assert card.width() <= 720, section
        assert abs(left - right) <= 24, section  # centred (the scroll bar takes a little on the right)
        restore = pane.restore_buttons.get(section)
        if restore is not None:
            assert restore.width() <= 200  # compact, not a full-width bar
            assert restore.mapTo(card, restore.rect().topLeft()).y() < 40  # in the section's header
    for control in pane.findChildren(QAbstractSpinBox) + pane.findChildren(QComboBox):
        assert control.width() <= 260, control.accessibleName()


def test_every_field_says_what_it_does(pane: SettingsPane) -> None:
    for key, editor in pane.editors.items():
        assert editor.help.isVisible() and len(editor.help.text()) > 20, key


def test_restore_defaults_puts_values_back_and_clears_errors(qtbot, pane: SettingsPane, hub: SettingsHub) -> None:
    path = _control(pane, "library", "embedding_model_path")
    qtbot.keyClicks(path, "/nowhere/model.gguf")
    editor = pane.editors[("library", "embedding_model_path")]
    qtbot.waitUntil(lambda: editor.error.isVisible(), timeout=5_000)
    _control(pane, "sampling", "temperature").setValue(0.5)
    assert hub.settings.sampling.temperature == 0.5

    pane.restore_buttons["library"].click()
    assert not editor.error.isVisible() and path.text() == ""
    assert not [e for e in pane.findChildren(QLabel, "fieldError") if e.isVisible()]
    pane.restore_buttons["sampling"].click()
    assert hub.settings.sampling.temperature == 1.0
    assert _control(pane, "sampling", "temperature").text() == "1.00"


def test_model_paths_are_checked_as_they_are_typed(qtbot, pane: SettingsPane, hub: SettingsHub, tmp_path: Path,
                                                   tiny_gpt_oss: Path, tiny_bert_gguf: Path) -> None:  # noqa: F811
    field = _control(pane, "library", "embedding_model_path")
    editor = pane.editors[("library", "embedding_model_path")]
    assert isinstance(field, QLineEdit)
    assert any(b.accessibleName() == "Browse for Embedding model" for b in pane.findChildren(QAbstractButton))

    def typed(text: str, expect: str | None) -> None:
        field.clear()
        qtbot.keyClicks(field, text)  # no Enter, no focus change: checked while typing
        if expect is None:
            qtbot.waitUntil(lambda: hub.settings.library.embedding_model_path == text, timeout=5_000)
            assert not editor.error.isVisible()
        else:
            qtbot.waitUntil(lambda: editor.error.isVisible() and expect in editor.error.text(), timeout=5_000)

    typed(str(tmp_path / "missing.gguf"), "No file at")
    typed(str(tiny_gpt_oss), "not an embedding model")
    typed("model.gguf", "Type the full path")
    assert hub.settings.library.embedding_model_path is None  # nothing bad was saved
    typed(str(tiny_bert_gguf), None)

    chat = _control(pane, "model", "chat_model_path")
    chat_editor = pane.editors[("model", "chat_model_path")]
    qtbot.keyClicks(chat, str(tiny_bert_gguf))
    qtbot.waitUntil(lambda: chat_editor.error.isVisible() and "gpt-oss" in chat_editor.error.text(), timeout=5_000)
    assert hub.settings.model.chat_model_path is None


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        channels = [x / 255 for x in (c.red(), c.green(), c.blue())]
        r, g, b_ = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_explanations_and_errors_are_readable_in_both_themes(qtbot, pane: SettingsPane, theme: str) -> None:
    from desktop.ui.theme import apply_theme

    apply_theme("dark" if theme == "light" else "light")  # then switch: colours follow the theme
    apply_theme(theme)
    QApplication.processEvents()
    try:
        for editor in pane.editors.values():
            card = editor.palette().color(QPalette.ColorRole.Base)  # sections are drawn on the base colour
            for label in (editor.help, editor.error):
                assert _contrast(label.palette().color(QPalette.ColorRole.WindowText), card) >= 4.5, label.text()
    finally:
        apply_theme("system")
