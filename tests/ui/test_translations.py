"""The window in another language: every string translatable and translated (Arabic, the one
complete translation), the compiled file current, and Arabic laying the window out right to left."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import QApplication

from desktop.ui.i18n import available_languages, install_translations, resolve_language, translations_dir

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "translations.py"
# Calls whose first argument a person reads: each must come through tr()/translate().
SHOWN = {"setText", "setToolTip", "setAccessibleName", "setAccessibleDescription", "setPlaceholderText",
         "setWindowTitle", "setStatusTip", "addItem", "setTitle", "showMessage", "setSpecialValueText",
         "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QAction", "QGroupBox", "QToolButton", "QMenu"}
NOT_WORDS = {"gpt-oss-desktop", "gpt-oss"}  # the product's and the model's names stay as they are


def test_every_string_of_the_window_has_an_arabic_translation() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_compiled_translation_is_built_from_the_current_source(tmp_path: Path) -> None:
    from installers.translations import lrelease  # noqa: PLC0415 - a build script, imported by path

    for ts in translations_dir().glob("*.ts"):
        fresh = tmp_path / ts.with_suffix(".qm").name
        subprocess.run([lrelease(), "-silent", str(ts), "-qm", str(fresh)], check=True)
        assert fresh.read_bytes() == ts.with_suffix(".qm").read_bytes(), f"run {SCRIPT.name}: {ts.name} changed"


def test_no_text_shown_in_the_window_bypasses_translation() -> None:
    letters = re.compile(r"[A-Za-z]{2,}")
    bypassing = []
    for path in sorted((ROOT / "desktop" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if name in SHOWN and ((literal and letters.search(first.value) and first.value not in NOT_WORDS)
                                  or isinstance(first, ast.JoinedStr)):
                bypassing.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not bypassing, "wrap these in self.tr():\n" + "\n".join(bypassing)


def test_arabic_translates_the_window_and_turns_it_right_to_left(qapp: QApplication) -> None:
    assert "ar" in available_languages()
    installed = install_translations(qapp, "ar")
    try:
        assert installed
        assert qapp.layoutDirection() == Qt.LayoutDirection.RightToLeft
        for context, english in (("MainWindow", "Chat"), ("Settings", "Reasoning effort"), ("Composer", "Send")):
            shown = QCoreApplication.translate(context, english)
            assert shown != english and re.search("[\u0600-\u06ff]", shown), (context, english, shown)
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)
        QLocale.setDefault(QLocale(QLocale.Language.English))
    assert qapp.layoutDirection() == Qt.LayoutDirection.LeftToRight


def test_following_the_system_picks_a_translated_language_or_english() -> None:
    assert resolve_language("system", QLocale("ar_EG")) == "ar"
    assert resolve_language("system", QLocale("de_DE")) == "en"  # no German yet: the source language
    assert resolve_language("en", QLocale("ar_EG")) == "en"  # the user's choice wins
