"""Keep the window's translations complete: extract every translatable string, merge it into each
resources/translations/*.ts file (keeping what is already translated), and compile the .qm files.

    python installers/translations.py            # update the .ts files and compile the .qm files
    python installers/translations.py --check    # exit 1, naming them, if any string is untranslated

Why not pyside6-lupdate alone: it only sees `self.tr("...")` and `translate("Ctx", "...")`; our
modules also use small `_tr(text)` helpers bound to one context, and the Settings pane shows the
labels and explanations that the Qt-free settings module declares as plain English. This script
reads the sources with `ast` and understands all three; pyside6-lrelease still compiles the files.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "desktop" / "ui"
TRANSLATIONS = ROOT / "resources" / "translations"
CATALOG_NAME = "gpt_oss_desktop"
SETTINGS_CONTEXT = "Settings"  # desktop.ui.settings_fields.tr translates the settings' metadata here

Messages = dict[str, dict[str, None]]  # context -> sources, in the order first seen


def _literal(node: ast.AST, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _helper_contexts(tree: ast.Module, constants: dict[str, str]) -> dict[str, str]:
    """`def _tr(text): return QCoreApplication.translate(CONTEXT, text)` -> {"_tr": CONTEXT}, at
    module level or nested in a function."""
    helpers: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or len(node.args.args) != 1:
            continue
        for inner in ast.walk(node):
            if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == "translate" and inner.args):
                context = _literal(inner.args[0], constants)
                if context:
                    helpers[node.name] = context
    return helpers


def extract_module(path: Path, messages: Messages) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name)
                 and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
    helpers = _helper_contexts(tree, constants)

    def add(context: str, source: str | None) -> None:
        if source and source.strip():
            messages.setdefault(context, {})[source] = None

    def visit(node: ast.AST, cls: str | None) -> None:
        if isinstance(node, ast.ClassDef):
            cls = node.name
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "tr" and cls and node.args:
                add(cls, _literal(node.args[0], constants))  # self.tr / widget.tr: the class's context
            elif isinstance(func, ast.Attribute) and func.attr == "translate" and len(node.args) >= 2:
                add(_literal(node.args[0], constants) or "", _literal(node.args[1], constants))
            elif isinstance(func, ast.Name) and func.id == "QT_TRANSLATE_NOOP" and len(node.args) >= 2:
                add(_literal(node.args[0], constants) or "", _literal(node.args[1], constants))
            elif isinstance(func, ast.Name) and func.id in helpers and node.args:
                add(helpers[func.id], _literal(node.args[0], constants))
        for child in ast.iter_child_nodes(node):
            visit(child, cls)

    visit(tree, None)


def extract_settings(messages: Messages) -> None:
    """The labels, units, mode words, choice names and explanations the Settings pane shows."""
    sys.path.insert(0, str(ROOT))
    from desktop.settings import Settings

    for section in fields(Settings):
        for f in fields(section.default):
            meta = f.metadata
            for key in ("label", "help", "unit", "special"):
                if meta.get(key, "").strip():
                    messages.setdefault(SETTINGS_CONTEXT, {})[meta[key]] = None
            for name in meta.get("names", {}).values():
                messages.setdefault(SETTINGS_CONTEXT, {})[name] = None


def extract() -> Messages:
    messages: Messages = {}
    for path in sorted(UI.rglob("*.py")):
        extract_module(path, messages)
    extract_settings(messages)
    return messages


def read_ts(path: Path) -> dict[tuple[str, str], str | tuple[str, ...]]:
    """(context, source) -> translation (plural forms for a "%n" message), for the messages
    translated in an existing .ts file."""
    if not path.exists():
        return {}
    done = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete"):
                continue
            forms = tuple(f.text or "" for f in translation.iter("numerusform"))
            if (forms and all(forms)) or (not forms and translation.text):
                done[(name, message.findtext("source") or "")] = forms or translation.text
    return done


def write_ts(path: Path, language: str, messages: Messages,
             done: dict[tuple[str, str], str | tuple[str, ...]]) -> list[tuple[str, str]]:
    """Write the .ts file for `messages`; returns the (context, source) pairs left untranslated."""
    root = ET.Element("TS", version="2.1", language=language, sourcelanguage="en")
    missing = []
    for context_name in sorted(messages):
        context = ET.SubElement(root, "context")
        ET.SubElement(context, "name").text = context_name
        for source in messages[context_name]:
            message = ET.SubElement(context, "message")
            ET.SubElement(message, "source").text = source
            translation = ET.SubElement(message, "translation")
            text = done.get((context_name, source))
            if "%n" in source:  # tr(text, "", n): one form per plural rule of the language
                message.set("numerus", "yes")
                for form in text if isinstance(text, tuple) else ("",):
                    ET.SubElement(translation, "numerusform").text = form
            elif isinstance(text, str):
                translation.text = text
            if text is None:
                translation.set("type", "unfinished")
                missing.append((context_name, source))
    ET.indent(root)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
                    + ET.tostring(root, encoding="unicode") + "\n", encoding="utf-8")
    return missing


def lrelease() -> str:
    found = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name("pyside6-lrelease"))
    return found


def main(argv: list[str]) -> int:
    messages = extract()
    # Qt reads the layout direction of a language from this entry of its translation.
    messages.setdefault("QGuiApplication", {})["QT_LAYOUT_DIRECTION"] = None
    problems = 0
    for ts in sorted(TRANSLATIONS.glob(f"{CATALOG_NAME}_*.ts")):
        language = ts.stem.removeprefix(CATALOG_NAME + "_")
        done = read_ts(ts)
        if "--check" in argv:
            missing = [(c, s) for c, sources in messages.items() for s in sources if (c, s) not in done]
            for context, source in missing:
                print(f"{ts.name}: untranslated [{context}] {source!r}")
            problems += len(missing)
            continue
        missing = write_ts(ts, language, messages, done)
        subprocess.run([lrelease(), "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
        print(f"{ts.name}: {sum(len(s) for s in messages.values())} strings, {len(missing)} untranslated")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
