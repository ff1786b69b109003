"""The window's language: the app's own translations (resources/translations/*.qm, built from the
.ts files with pyside6-lrelease) and Qt's for its standard dialogs, installed before any widget is
built. A right-to-left language turns the whole layout around: Qt reads the direction from the
translation itself (the "QT_LAYOUT_DIRECTION" entry every translation carries).

The choice applies at start-up: widgets set their text once when built, so a change in Settings
takes effect the next time the app opens (the pane says so).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop.resources import resource_path

CATALOG_NAME = "gpt_oss_desktop"


def translations_dir() -> Path:
    return resource_path("translations")


def available_languages() -> list[str]:
    """Language codes with a compiled translation, e.g. ["ar"]; English is the source language."""
    return sorted(p.stem.removeprefix(CATALOG_NAME + "_") for p in translations_dir().glob(f"{CATALOG_NAME}_*.qm"))


def resolve_language(setting: str, system: QLocale | None = None) -> str:
    """The language to show: the setting, or for "system" the OS's first UI language we have."""
    if setting != "system":
        return setting
    have = set(available_languages())
    for name in (system or QLocale.system()).uiLanguages():
        code = name.replace("-", "_").split("_")[0]
        if code == "en":
            return "en"
        if code in have:
            return code
    return "en"


def install_translations(app: QApplication, setting: str) -> list[QTranslator]:
    """Install the chosen language's translators on `app` (none for English); returned so that a
    test can remove them again."""
    language = resolve_language(setting)
    if language == "en":
        return []
    own = QTranslator(app)  # parented: lives as long as the application
    if not own.load(str(translations_dir() / f"{CATALOG_NAME}_{language}.qm")):
        return []  # a missing or broken file leaves the window in English rather than blank
    app.installTranslator(own)
    installed = [own]
    qt = QTranslator(app)  # Qt's own words: standard dialog buttons, context menus
    if qt.load(QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    QLocale.setDefault(QLocale(language))
    return installed
