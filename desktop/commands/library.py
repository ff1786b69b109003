"""`gpt-oss-desktop library add|list|remove|search`: the document library from a shell."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from pathlib import Path

from desktop.commands.remote_options import add_library_options, library_location
from desktop.context import AppContext
from desktop.core.errors import UserError
from desktop.core.jobs import CancelToken
from desktop.core.library import AddReport, IndexProgress, Library
from desktop.core.library.store import is_lite_uri
from desktop.core.snippets import snippet


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("library", help="index documents and search them")
    commands = parser.add_subparsers(dest="library_command", metavar="ACTION", required=True)

    add = commands.add_parser("add", help="index files and folders (recursively); progress on stderr")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--watch", action="store_true", help="also watch the folders for changes while the app runs")
    _model_option(add)
    add.set_defaults(handler=run_add)

    listing = commands.add_parser("list", help="documents with their status (indexed / error / skipped)")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    _model_option(listing)
    listing.set_defaults(handler=run_list)

    remove = commands.add_parser("remove", help="remove a file, or all files under a folder, from the library")
    remove.add_argument("path", metavar="PATH")
    _model_option(remove)
    remove.set_defaults(handler=run_remove)

    search = commands.add_parser("search", help="hybrid (meaning + keyword) search of the library; one result per document")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--top-k", type=int, help="number of hits (default: the app's setting)")
    search.add_argument("--json", action="store_true", help="print a JSON array of hits")
    _model_option(search)
    search.set_defaults(handler=run_search)


def _model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--embedding-model", metavar="PATH",
                        help="GGUF embedding model (default: the one chosen in the app, else the one "
                             "the library was indexed with)")
    add_library_options(parser)


def _open(args: argparse.Namespace, ctx: AppContext) -> Library:
    uri, token = library_location(args, ctx)  # the options, else the Milvus server Settings chose
    return Library.open(ctx, embedding_model=args.embedding_model, uri=uri, token=token)


def run_add(args: argparse.Namespace, ctx: AppContext) -> int:
    cancel = CancelToken()
    with _open(args, ctx) as library, _ctrl_c_cancels(cancel):
        report = library.add(args.paths, cancel, _ProgressPrinter(), watch=args.watch)
    _print_report(report)
    if report.cancelled:
        return 130
    return 0 if report.anything_done else 1


def run_list(args: argparse.Namespace, ctx: AppContext) -> int:
    with _open(args, ctx) as library:
        records = library.documents()
        # On a server: what other machines put in the shared collection (contacting it also says
        # at once when it cannot be reached).
        shared = library.shared_documents() if not is_lite_uri(library.uri) else []
    if args.json:
        print(json.dumps([r.to_json() for r in records]
                         + [{"path": d.path, "status": "shared", "owner": d.owner} for d in shared],
                         ensure_ascii=False, indent=1))
        return 0
    if not records and not shared:
        print("The library is empty. Add documents with: gpt-oss-desktop library add PATH")
    for record in records:
        detail = f"{record.chunks} chunks" if record.status == "indexed" else (record.error or "")
        print(f"{record.status:8}  {record.path}  ({detail})")
    for document in shared:
        print(f"{'shared':8}  {document.path}  (indexed by install {document.owner})")
    return 0


def run_remove(args: argparse.Namespace, ctx: AppContext) -> int:
    with _open(args, ctx) as library:
        removed = library.remove(args.path)
    if not removed:
        raise UserError(f"Not in the library: {args.path}")
    print(f"removed {len(removed)} document{'s' if len(removed) != 1 else ''}", file=sys.stderr)
    return 0


def run_search(args: argparse.Namespace, ctx: AppContext) -> int:
    top_k = args.top_k or ctx.settings.library.top_k
    if top_k < 1:
        raise UserError("--top-k must be at least 1.")
    with _open(args, ctx) as library:
        hits = library.search(args.query, top_k=top_k)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("No matches.", file=sys.stderr)
    elif not any(hit.relevant for hit in hits):
        print("Nothing relevant: the closest passages are shown.", file=sys.stderr)
    for n, hit in enumerate(hits, 1):
        print(f"[{n}] {hit.path}{_where(hit.page, hit.heading)}  (score {hit.score:.4f})")
        print("    " + snippet(hit.text))
        if hit.also:
            places = [_where(place.page, place.heading).strip(" >") for place in hit.also]
            where = ", ".join(dict.fromkeys(place for place in places if place))
            count = len(hit.also)
            print(f"    also {count} more passage{'s' if count != 1 else ''}" + (f" ({where})" if where else ""))
    return 0


def _where(page: int | None, heading: str | None) -> str:
    return f" p.{page}" if page else (f" > {heading}" if heading else "")


@contextlib.contextmanager
def _ctrl_c_cancels(cancel: CancelToken):
    """Ctrl+C stops between batches, leaving no half-indexed file, instead of killing the run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _print_report(report: AddReport) -> None:
    out = sys.stderr
    for path, reason in report.failed:
        print(f"error    {path}: {reason}", file=out)
    for path, reason in report.skipped:
        print(f"skipped  {path}: {reason}", file=out)
    for path in report.removed:
        print(f"removed  {path} (no longer on disk)", file=out)
    summary = (f"{len(report.indexed)} indexed ({report.chunks} chunks), {len(report.unchanged)} unchanged, "
               f"{len(report.failed)} failed, {len(report.skipped)} skipped in {report.seconds:.1f} s")
    if report.cancelled:
        summary += " (cancelled)"
    print(summary, file=out)


class _ProgressPrinter:
    """One status line on stderr, rewritten at most ~5 times a second."""

    def __init__(self) -> None:
        self._last = 0.0
        self._tty = sys.stderr.isatty()

    def __call__(self, progress: IndexProgress) -> None:
        now = time.monotonic()
        final = progress.fraction is not None and progress.fraction >= 1.0 and progress.current is None
        if now - self._last < 0.2 and not final:
            return
        self._last = now
        eta = f", ETA {progress.eta_s:.0f} s" if progress.eta_s else ""
        name = f" {Path(progress.current).name}" if progress.current else ""
        line = (f"files {progress.files_done}/{progress.files_total}, "
                f"chunks {progress.chunks_done}{eta}{name}")
        if self._tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
