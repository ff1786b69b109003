"""`hw` and `models list|download|import|remove`: the model manager without the window."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from desktop.context import AppContext
from desktop.core import hardware
from desktop.core.catalog import CHAT, CHAT_ARCHITECTURES, EMBEDDING, Catalog, CatalogEntry, InstalledModel
from desktop.core.errors import UserError
from desktop.core.hardware import Machine, format_bytes, format_gib
from desktop.core.jobs import CancelToken, Cancelled, Progress
from desktop.core.planner import plan_for_shape


def register(subparsers: argparse._SubParsersAction) -> None:
    hw = subparsers.add_parser("hw", help="what this machine has, and which models fit")
    hw.add_argument("--json", action="store_true", help="print one JSON object")
    hw.set_defaults(handler=run_hw)

    models = subparsers.add_parser("models", help="list, download, import or remove models")
    sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the catalog and the installed models, with a fit verdict each")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument("--refresh", action="store_true", help="fetch sizes and checksums from the model hub")
    listing.set_defaults(handler=run_list)
    download = sub.add_parser("download", help="download a catalog model (Ctrl+C pauses; run again to resume)")
    download.add_argument("name", help="catalog name, e.g. gpt-oss-20b")
    download.set_defaults(handler=run_download)
    importing = sub.add_parser("import", help="add a GGUF file you already have")
    importing.add_argument("path", type=Path)
    importing.add_argument("--link", action="store_true", help="link to the file instead of copying it")
    importing.set_defaults(handler=run_import)
    remove = sub.add_parser("remove", help="delete an installed model")
    remove.add_argument("name", help="catalog name or file name")
    remove.add_argument("--yes", "-y", action="store_true", help="do not ask")
    remove.set_defaults(handler=run_remove)


def catalog_for(ctx: AppContext) -> Catalog:
    return Catalog(ctx.paths.models_dir, ctx.paths.cache_dir)


# --- hw ---------------------------------------------------------------------------------------

def run_hw(args: argparse.Namespace, ctx: AppContext) -> int:
    machine = hardware.probe(ctx.paths.models_dir)
    catalog = catalog_for(ctx)
    verdicts = [verdict_for(catalog, entry, machine, ctx) for entry in catalog.entries]
    if args.json:
        print(json.dumps(machine_json(machine, verdicts), indent=2))
        return 0
    print(f"RAM       {format_gib(machine.ram_total_bytes)} ({format_gib(machine.ram_available_bytes)} free)")
    for gpu in machine.gpus:
        vram = f"{format_gib(gpu.vram_total_bytes)} VRAM ({format_gib(gpu.vram_free_bytes)} free)"
        print(f"GPU       {gpu.name} · {vram}")
    if not machine.gpus and machine.unified_memory is None:
        print("GPU       none found")
    if machine.unified_memory:
        um = machine.unified_memory
        source = "estimated" if um.working_set_bytes is None else f"from {um.budget_source}"
        print(f"Unified   {format_gib(um.total_bytes)}; the GPU may use {format_gib(um.gpu_budget_bytes)} ({source})")
    offload = "" if machine.backend.gpu_offload else " (this llama.cpp build runs on the CPU only)"
    print(f"Backend   {machine.backend.name}{offload}")
    print(f"Disk      {format_bytes(machine.disk_free_bytes)} free in {ctx.paths.models_dir}")
    for note in machine.notes:
        print(f"Note      {note}")
    print(f"\nAt a context of {ctx.settings.model.context_length:,} tokens:")
    for verdict in verdicts:
        print(f"  {verdict['name']:<24} {verdict['summary']}")
    return 0


def machine_json(machine: Machine, verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ram_total_bytes": machine.ram_total_bytes,
        "ram_available_bytes": machine.ram_available_bytes,
        "gpus": [{"name": g.name, "vram_total_bytes": g.vram_total_bytes, "vram_free_bytes": g.vram_free_bytes,
                  "source": g.source} for g in machine.gpus],
        "unified_memory": (None if machine.unified_memory is None else {
            "total_bytes": machine.unified_memory.total_bytes,
            "working_set_bytes": machine.unified_memory.working_set_bytes,
            "gpu_budget_bytes": machine.unified_memory.gpu_budget_bytes,
            "budget_source": machine.unified_memory.budget_source}),
        "backend": machine.backend.name,
        "gpu_offload": machine.backend.gpu_offload,
        "gpu_budget_bytes": machine.gpu_budget_bytes,
        "disk_free_bytes": machine.disk_free_bytes,
        "notes": list(machine.notes),
        "verdicts": verdicts,
    }


def verdict_for(catalog: Catalog, entry: CatalogEntry, machine: Machine, ctx: AppContext) -> dict[str, Any]:
    shape = catalog.shape(entry)
    if shape is None:
        return {"name": entry.name, "verdict": "unknown", "label": "unknown",
                "summary": "unknown: its size is not known yet (`models list --refresh` while online)", "plan": None}
    p = plan_for_shape(shape, machine, ctx.settings.model)
    return {"name": entry.name, "verdict": p.verdict.value, "label": p.label, "summary": p.summary,
            "plan": p.as_dict()}


# --- models list ------------------------------------------------------------------------------

def run_list(args: argparse.Namespace, ctx: AppContext) -> int:
    catalog = catalog_for(ctx)
    problems = catalog.refresh() if args.refresh else []
    machine = hardware.probe(ctx.paths.models_dir)
    rows = list_rows(catalog, machine, ctx)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        state = "installed" if row["installed"] else (
            f"paused at {format_bytes(row['partial_bytes'])}" if row["partial_bytes"] else "not installed")
        star = "*" if row["recommended"] else " "
        size = format_bytes(row["size_bytes"])
        print(f"{star} {row['name']:<24} {row['kind']:<9} {size:>9}  {state:<22} {row['verdict']}")
        if not row["usable"]:
            print(f"  {'':<24} (the chat cannot use it yet: {row['architecture']} models need another prompt format)")
    return 0


def list_rows(catalog: Catalog, machine: Machine, ctx: AppContext) -> list[dict[str, Any]]:
    rows = []
    for entry in catalog.entries:
        path = catalog.installed_path(entry)
        meta = catalog.meta(entry)
        verdict = verdict_for(catalog, entry, machine, ctx)
        rows.append({
            "name": entry.name, "title": entry.title, "kind": entry.kind, "repo_id": entry.repo_id,
            "file": entry.filename, "size_bytes": catalog.size_bytes(entry),
            "sha256": meta.sha256 if meta else None, "installed": path is not None,
            "path": str(path) if path else None, "partial_bytes": catalog.partial_bytes(entry),
            "verdict": verdict["label"], "plan": verdict["plan"], "recommended": entry.recommended,
            "usable": entry.usable, "architecture": entry.architecture,
        })
    for model in catalog.installed():
        if model.entry is None:
            rows.append(_imported_row(catalog, model, machine, ctx))
    return rows


def _imported_row(catalog: Catalog, model: InstalledModel, machine: Machine, ctx: AppContext) -> dict[str, Any]:
    try:
        shape = catalog.shapes.get(model.path)
    except (UserError, OSError) as exc:
        return {"name": model.name, "title": model.name, "kind": "unknown", "repo_id": None, "file": model.path.name,
                "size_bytes": model.size_bytes, "sha256": None, "installed": True, "path": str(model.path),
                "partial_bytes": 0, "verdict": f"unreadable: {exc}", "plan": None, "recommended": False,
                "usable": False, "architecture": "unknown"}
    p = plan_for_shape(shape, machine, ctx.settings.model)
    kind = CHAT if shape.architecture in CHAT_ARCHITECTURES else EMBEDDING if not shape.has_kv_cache else CHAT
    return {"name": model.name, "title": shape.name, "kind": kind, "repo_id": None, "file": model.path.name,
            "size_bytes": model.size_bytes, "sha256": None, "installed": True, "path": str(model.path),
            "partial_bytes": 0, "verdict": p.label, "plan": p.as_dict(), "recommended": False,
            "usable": shape.architecture in CHAT_ARCHITECTURES or not shape.has_kv_cache,
            "architecture": shape.architecture}


# --- models download --------------------------------------------------------------------------

def run_download(args: argparse.Namespace, ctx: AppContext) -> int:
    catalog = catalog_for(ctx)
    entry = catalog.get(args.name)
    existing = catalog.installed_path(entry)
    if existing:
        print(f"{entry.name} is already installed: {existing}")
        return 0
    cancel = CancelToken()
    bar = ProgressPrinter(sys.stderr)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["path"] = catalog.download(entry, cancel=cancel, on_progress=bar.update)
        except BaseException as exc:  # handed to the main thread, which reports it
            outcome["error"] = exc

    # The download runs on a worker so Ctrl+C lands here and becomes a clean cancel between chunks.
    worker = threading.Thread(target=work, name="download", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        cancel.cancel()
        worker.join()
    bar.finish()
    error = outcome.get("error")
    if isinstance(error, Cancelled) or (cancel.cancelled and "path" not in outcome):
        done = catalog.partial_bytes(entry)
        print(f"Paused at {format_bytes(done)}; run the same command again to resume.", file=sys.stderr)
        return 130
    if error is not None:
        raise error
    path: Path = outcome["path"]
    _adopt_if_unset(ctx, entry, path)
    print(f"Downloaded and verified: {path}")
    return 0


def _adopt_if_unset(ctx: AppContext, entry: CatalogEntry, path: Path) -> None:
    """The first model of a kind becomes the one the app uses."""
    settings = ctx.settings
    if entry.kind == CHAT and entry.usable and not settings.model.chat_model_path:
        ctx.update_settings(settings.with_section("model", chat_model_path=str(path)))
    elif entry.kind == EMBEDDING and not settings.library.embedding_model_path:
        ctx.update_settings(settings.with_section("library", embedding_model_path=str(path)))


class ProgressPrinter:
    """One status line on stderr: rewritten in place on a terminal, a line per 10 % otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last_time = 0.0
        self._last_tenth = -1
        self._width = 0

    def update(self, progress: Progress) -> None:
        fraction = progress.fraction or 0.0
        if self._tty:
            now = time.monotonic()
            if now - self._last_time < 0.2 and fraction < 1.0:
                return
            self._last_time = now
            line = f"{fraction * 100:5.1f} % {progress.message}"
            self._stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            tenth = int(fraction * 10)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self._stream.write(f"{fraction * 100:5.1f} % {progress.message}\n")
        self._stream.flush()

    def finish(self) -> None:
        if self._tty and self._width:
            self._stream.write("\n")
            self._stream.flush()


# --- models import / remove -------------------------------------------------------------------

def run_import(args: argparse.Namespace, ctx: AppContext) -> int:
    catalog = catalog_for(ctx)
    bar = ProgressPrinter(sys.stderr)
    path = catalog.import_file(args.path.expanduser(), link=args.link, on_progress=bar.update)
    bar.finish()
    print(f"{'Linked' if args.link else 'Imported'}: {path}")
    return 0


def run_remove(args: argparse.Namespace, ctx: AppContext) -> int:
    catalog = catalog_for(ctx)
    model = catalog.find_installed(args.name)
    if not args.yes and sys.stdin.isatty():
        answer = input(f"Delete {model.path.name} ({format_bytes(model.size_bytes)})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Kept.")
            return 1
    freed = catalog.remove(model)
    settings = ctx.settings
    if settings.model.chat_model_path and Path(settings.model.chat_model_path) == model.path:
        ctx.update_settings(settings.with_section("model", chat_model_path=None))
    elif settings.library.embedding_model_path and Path(settings.library.embedding_model_path) == model.path:
        ctx.update_settings(settings.with_section("library", embedding_model_path=None))
    print(f"Removed {model.path.name}" + (f", {format_bytes(freed)} freed." if freed else " (the link only)."))
    return 0
