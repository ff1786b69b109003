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
from desktop.core import bandwidth, hardware
from desktop.core.catalog import (
    APPROXIMATE,
    CHAT,
    CHAT_ARCHITECTURES,
    COMPUTED,
    EMBEDDING,
    Catalog,
    CatalogEntry,
    InstalledModel,
)
from desktop.core.errors import UserError
from desktop.core.hardware import Machine, format_bytes, format_gib
from desktop.core.jobs import Cancelled, CancelToken, Progress
from desktop.core.planner import ModelShape, estimate_tokens_per_s, plan_for_shape


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
        reason = "its size is not known (`models list --refresh` while online)" if entry.spec else \
            "its catalog entry describes no shape"
        return {"name": entry.name, "verdict": "unknown", "label": "unknown", "summary": f"unknown: {reason}",
                "plan": None, "tokens_per_s_estimate": None}
    p = plan_for_shape(shape, machine, ctx.settings.model)
    return {"name": entry.name, "verdict": p.verdict.value, "label": p.label, "summary": p.summary,
            "plan": p.as_dict(), "tokens_per_s_estimate": speed_estimate(shape, p, machine)}


def speed_estimate(shape: ModelShape, p: Any, machine: Machine) -> float | None:
    """planner.estimate_tokens_per_s with this machine's bandwidths, rounded (it is an estimate)."""
    tps = estimate_tokens_per_s(shape, p, ram_bandwidth=bandwidth.ram_read_bandwidth(),
                                gpu_bandwidth=bandwidth.gpu_bandwidth(machine) if p.n_gpu_layers else None)
    return None if tps is None else round(tps, 1)


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
        size = size_text(row["size_bytes"], row["size_basis"])
        speed = f"  ~{row['tokens_per_s_estimate']:g} tok/s (estimate)" if row["tokens_per_s_estimate"] else ""
        print(f"{star} {row['name']:<24} {row['kind']:<9} {size:>20}  {state:<22} {row['verdict']}{speed}")
    return 0


def size_text(size: int | None, basis: str) -> str:
    """A size as a person should read it: rounded ones say so."""
    if size is None:
        return "size unknown"
    if basis == APPROXIMATE:
        return f"about {format_bytes(size)}"
    if basis == COMPUTED:
        return f"about {format_bytes(size)} (computed)"
    return format_bytes(size)


def list_rows(catalog: Catalog, machine: Machine, ctx: AppContext) -> list[dict[str, Any]]:
    """One row per catalog entry (its catalog keys, so a listing can serve as a catalog file) and
    per imported file, with what is on disk and the fit verdict on this machine."""
    in_settings = (ctx.settings.model.chat_model_path, ctx.settings.library.embedding_model_path)
    installed = {m.path: m for m in catalog.installed()}
    rows = []
    for entry in catalog.entries:
        path = catalog.installed_path(entry)
        size, basis = catalog.size_info(entry)
        verdict = verdict_for(catalog, entry, machine, ctx)
        rows.append({
            **entry.to_json(), "size_bytes": size, "size_basis": basis, "sha256": catalog.sha256(entry),
            "installed": path is not None, "path": str(path) if path else None,
            "in_use": path is not None and catalog.in_use(installed[path], in_settings),
            "partial_bytes": catalog.partial_bytes(entry), "verdict": verdict["label"], "plan": verdict["plan"],
            "tokens_per_s_estimate": verdict["tokens_per_s_estimate"], "usable": entry.usable,
        })
    for model in installed.values():
        if model.entry is None:
            row = _imported_row(catalog, model, machine, ctx)
            row["in_use"] = catalog.in_use(model, in_settings)
            rows.append(row)
    return rows


def _imported_row(catalog: Catalog, model: InstalledModel, machine: Machine, ctx: AppContext) -> dict[str, Any]:
    base = {"name": model.name, "title": model.name, "repo_id": None, "file": model.path.name, "revision": None,
            "description": str(model.path), "size_bytes": model.size_bytes, "size_basis": "file",
            "size_source": None, "sha256": None, "recommended": False, "tied_output": False, "shape": None,
            "installed": True, "path": str(model.path), "partial_bytes": 0}
    try:
        shape = catalog.shapes.get(model.path)
    except (UserError, OSError) as exc:
        return {**base, "kind": "unknown", "architecture": "unknown", "verdict": f"unreadable: {exc}",
                "plan": None, "tokens_per_s_estimate": None, "usable": False}
    p = plan_for_shape(shape, machine, ctx.settings.model)
    kind = CHAT if shape.architecture in CHAT_ARCHITECTURES else EMBEDDING if not shape.has_kv_cache else CHAT
    return {**base, "title": shape.name, "kind": kind, "architecture": shape.architecture, "verdict": p.label,
            "plan": p.as_dict(), "tokens_per_s_estimate": speed_estimate(shape, p, machine),
            "usable": shape.architecture in CHAT_ARCHITECTURES or not shape.has_kv_cache}


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
