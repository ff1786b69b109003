"""`gpt-oss-desktop bench PART`: speed figures measured side by side in one run."""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import replace
from pathlib import Path

from desktop.bench.progress import DEFAULT_LIMIT_S, BenchProgress
from desktop.context import AppContext
from desktop.core.chat import load_options_from_settings
from desktop.core.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="measure speed: decode, prefill, load, followup, ui, ui-indexing, library, store, startup, api, parallel, retrieval")
    parts = parser.add_subparsers(dest="part", metavar="PART", required=True)

    decode = parts.add_parser("decode", help="app streaming vs llama.cpp's own decode loop, same model and run")
    decode.add_argument("--model", required=True, help="GGUF file")
    decode.add_argument("--tokens", type=int, default=256, help="tokens per run")
    decode.add_argument("--runs", type=int, default=3, help="alternating runs of each path")
    decode.add_argument("--ctx", type=int, default=4096, help="context length")
    decode.add_argument("--gpu-layers", type=int, help="layers on the GPU (-1 all; default: settings)")
    decode.add_argument("--experts-on-cpu", action="store_true", help="keep MoE experts in RAM (small GPUs)")
    decode.add_argument("--llama-bench", metavar="PATH", default=shutil.which("llama-bench"),
                        help="llama.cpp's llama-bench binary, run on the same model for reference")
    decode.add_argument("--json", action="store_true")
    decode.set_defaults(handler=_decode)

    prefill = parts.add_parser("prefill", help="time to first token and prefill speed at 512 / 2k / 8k tokens")
    prefill.add_argument("--model", required=True, help="GGUF file")
    prefill.add_argument("--lengths", default="512,2048,8192", help="prompt lengths in tokens")
    prefill.add_argument("--runs", type=int, default=3)
    prefill.add_argument("--ctx", type=int, default=8448)
    prefill.add_argument("--gpu-layers", type=int, help="layers on the GPU (-1 all; default: settings)")
    prefill.add_argument("--experts-on-cpu", action="store_true", help="keep MoE experts in RAM (small GPUs)")
    prefill.add_argument("--json", action="store_true")
    prefill.set_defaults(handler=_prefill)

    load = parts.add_parser("load", help="model load time: the app's runtime vs llama-cpp-python's Llama()")
    load.add_argument("--model", required=True, help="GGUF file")
    load.add_argument("--runs", type=int, default=3)
    load.add_argument("--ctx", type=int, default=8192)
    load.add_argument("--gpu-layers", type=int, help="layers on the GPU (-1 all; default: settings)")
    load.add_argument("--json", action="store_true")
    load.set_defaults(handler=_load)

    followup = parts.add_parser("followup", help="time to first token of turn 10 vs turn 1 (KV prefix reuse)")
    followup.add_argument("--model", required=True, help="GGUF file")
    followup.add_argument("--turns", type=int, default=10)
    followup.add_argument("--ctx", type=int, default=8192)
    followup.add_argument("--gpu-layers", type=int, help="layers on the GPU (-1 all; default: settings)")
    followup.add_argument("--json", action="store_true")
    followup.set_defaults(handler=_followup)

    ui = parts.add_parser("ui", help="longest UI-thread stall while the window streams an answer")
    ui.add_argument("--model", required=True, help="GGUF file")
    ui.add_argument("--tokens", type=int, default=3000)
    ui.add_argument("--json", action="store_true")
    ui.set_defaults(handler=_ui)

    ui_indexing = parts.add_parser("ui-indexing", help="longest UI-thread stall while the Library pane indexes a folder")
    ui_indexing.add_argument("--embedding-model", required=True, help="embedding GGUF")
    ui_indexing.add_argument("--documents", type=int, default=200, help="generated documents (5 paragraphs, about 11 chunks, each)")
    ui_indexing.add_argument("--json", action="store_true")
    ui_indexing.set_defaults(handler=_ui_indexing)

    library = parts.add_parser("library", help="indexing vs raw embedding throughput; search latency")
    library.add_argument("--embedding-model", required=True, help="embedding GGUF")
    library.add_argument("--documents", type=int, default=200)
    library.add_argument("--paragraphs", type=int, default=5, help="paragraphs (about one chunk each) per document")
    library.add_argument("--queries", type=int, default=30)
    library.add_argument("--json", action="store_true")
    library.set_defaults(handler=_library)

    store = parts.add_parser("store", help="the library's Milvus Lite store at N chunks: insert, reopen, search latency")
    store.add_argument("--chunks", type=int, default=100_000)
    store.add_argument("--dim", type=int, default=384, help="embedding width (384: MiniLM, bge-small)")
    store.add_argument("--queries", type=int, default=50)
    store.add_argument("--server", action="store_true",
                       help="the same chunks and questions on a Milvus server reached by URI, beside the Lite file")
    store.add_argument("--json", action="store_true")
    store.set_defaults(handler=_store)

    api = parts.add_parser("api", help="the local API's streaming vs the app's own path; parallel API streams")
    api.add_argument("--model", required=True, help="GGUF file")
    api.add_argument("--tokens", type=int, default=256, help="tokens per answer")
    api.add_argument("--runs", type=int, default=3, help="alternating runs of each path")
    api.add_argument("--streams", type=int, default=4, help="API streams at once for the parallel figure")
    api.add_argument("--ctx", type=int, default=4096, help="context length")
    api.add_argument("--gpu-layers", type=int, help="layers on the GPU (-1 all; default: settings)")
    api.add_argument("--json", action="store_true")
    api.set_defaults(handler=_api)

    parallel = parts.add_parser("parallel", help="N requests decoded in one batch vs one at a time (aggregate, lone stream)")
    parallel.add_argument("--model", required=True, help="GGUF file")
    parallel.add_argument("--streams", type=int, default=4, help="requests at once on the batched engine")
    parallel.add_argument("--tokens", type=int, default=256, help="tokens per request")
    parallel.add_argument("--runs", type=int, default=3, help="alternating runs of each engine")
    parallel.add_argument("--ctx", type=int, default=4096, help="context length of each request")
    parallel.add_argument("--gpu-layers", type=int, help="layers on the GPU (-1 all; default: settings)")
    parallel.add_argument("--experts-on-cpu", action="store_true", help="keep MoE experts in RAM (small GPUs)")
    parallel.add_argument("--json", action="store_true")
    parallel.set_defaults(handler=_parallel)

    startup = parts.add_parser("startup", help="cold start of the window (no model, or --home)")
    startup.add_argument("--runs", type=int, default=5)
    startup.add_argument("--display", action="store_true",
                         help="a real X display: launch to the first expose of the app's window vs a bare PySide6 window")
    startup.add_argument("--home", type=Path, default=None,
                         help="with --display: start each run from a copy of this app home (default: an empty one)")
    startup.add_argument("--json", action="store_true")
    startup.set_defaults(handler=_startup)

    remote = parts.add_parser("remote", help="a remote engine's decode tokens/s through the app vs a plain client")
    remote.add_argument("--engine-url", required=True, metavar="URL", help="base URL ending in /v1")
    remote.add_argument("--engine-model", required=True, metavar="ID")
    remote.add_argument("--api-key", metavar="KEY")
    remote.add_argument("--tokens", type=int, default=256, help="tokens per run")
    remote.add_argument("--runs", type=int, default=3, help="alternating runs of each path")
    remote.add_argument("--json", action="store_true")
    remote.set_defaults(handler=_remote)

    retrieval = parts.add_parser("retrieval", help="retrieval quality: recall@1/3/5 and MRR of the library's "
                                 "search modes vs a naive 500-character, cosine-only baseline")
    retrieval.add_argument("--embedding-model", required=True, help="embedding GGUF (BM25 figures do not depend on it)")
    retrieval.add_argument("--questions", type=int, metavar="N", help="only the first N questions (and N unanswerable)")
    retrieval.add_argument("--json", action="store_true")
    retrieval.set_defaults(handler=_retrieval)

    for sub in parts.choices.values():
        sub.add_argument("--time-limit", type=float, default=DEFAULT_LIMIT_S, metavar="SECONDS",
                         help="stop with a message past this many seconds (default %(default)s); progress goes to stderr")


def _progress(args: argparse.Namespace) -> BenchProgress:
    if args.time_limit <= 0:
        raise UserError("--time-limit must be a positive number of seconds.")
    return BenchProgress(args.part, args.time_limit)


def _options(args: argparse.Namespace, ctx: AppContext):
    options = replace(load_options_from_settings(ctx.settings), n_ctx=args.ctx)
    if args.gpu_layers is not None:
        options = replace(options, n_gpu_layers=args.gpu_layers)
    if getattr(args, "experts_on_cpu", False):
        options = replace(options, experts_on_cpu=True)
    return options


def _remote(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.remote import bench_remote
    from desktop.engine.remote import RemoteConfig

    config = RemoteConfig(args.engine_url, args.engine_model, args.api_key, timeout_s=max(60.0, args.time_limit))
    _print("remote", bench_remote(config, args.tokens, args.runs, _progress(args)), args.json)
    return 0


def _print(part: str, result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps({part: result}))
    else:
        width = max(len(key) for key in result)
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")


def _prefill(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.prefill import bench_prefill

    lengths = [int(n) for n in args.lengths.split(",") if n.strip()]
    figures = bench_prefill(args.model, _options(args, ctx), lengths, args.runs, _progress(args))
    if args.json:
        print(json.dumps({"prefill": figures}))
    else:
        print(f"{'prompt tokens':>14}{'TTFT ms':>12}{'prefill tok/s':>16}")
        for row in figures.values():
            print(f"{row['prompt_tokens']:>14}{row['ttft_ms']:>12}{row['prefill_tokens_per_s']:>16}")
    return 0


def _load(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.prefill import bench_load

    _print("load", bench_load(args.model, _options(args, ctx), args.runs, _progress(args)), args.json)
    return 0


def _retrieval(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.retrieval import bench_retrieval, format_table, load_questions

    questions, unanswerable = load_questions()
    if args.questions is not None:
        if args.questions < 1:
            raise UserError("--questions must be at least 1.")
        questions, unanswerable = questions[:args.questions], unanswerable[:args.questions]
    result = bench_retrieval(args.embedding_model, questions, unanswerable, _progress(args))
    print(json.dumps({"retrieval": result}) if args.json else format_table(result))
    return 0


def _library(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.library import bench_library

    _print("library", bench_library(args.embedding_model, args.documents, args.paragraphs, args.queries,
                                             _progress(args)), args.json)
    return 0


def _store(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.store_scale import bench_store_scale

    if args.chunks < 1 or args.queries < 1:
        raise UserError("--chunks and --queries must be at least 1.")
    if args.server:
        from desktop.bench.store_scale import bench_store_server

        _print("store", bench_store_server(args.chunks, args.dim, args.queries, _progress(args)), args.json)
        return 0
    _print("store", bench_store_scale(args.chunks, args.dim, args.queries, _progress(args)), args.json)
    return 0


def _followup(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.followup import bench_followup

    if args.turns < 2:
        raise UserError("--turns must be at least 2.")
    _print("followup", bench_followup(args.model, _options(args, ctx), args.turns, progress=_progress(args)), args.json)
    return 0


def _ui(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.ui_stall import bench_ui_stall

    progress = _progress(args)
    progress.note(f"streaming {args.tokens} tokens into the window")
    _print("ui", bench_ui_stall(args.model, args.tokens), args.json)
    progress.check()
    return 0


def _ui_indexing(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.ui_stall import bench_ui_indexing

    progress = _progress(args)
    progress.note(f"indexing {args.documents} generated documents through the Library pane")
    _print("ui-indexing", bench_ui_indexing(args.embedding_model, args.documents), args.json)
    progress.check()
    return 0


def _decode(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.decode import bench_decode, llama_bench_decode

    if args.tokens < 2 or args.runs < 1:
        raise UserError("--tokens must be at least 2 and --runs at least 1.")
    options = _options(args, ctx)
    progress = _progress(args)
    figures = bench_decode(args.model, options, args.tokens, args.runs, progress=progress)
    if args.llama_bench:
        progress.note(f"llama-bench tg{args.tokens} ({args.llama_bench})")
    reference = (llama_bench_decode(args.llama_bench, args.model, options.n_gpu_layers, args.tokens)
                 if args.llama_bench else None)
    result = {
        "app_tokens_per_s": round(figures.app_tokens_per_s, 2),
        "llama_tokens_per_s": round(figures.llama_tokens_per_s, 2),
        "ratio": round(figures.ratio, 4),
        "create_completion_stream_tokens_per_s": (round(figures.create_completion_tokens_per_s, 2)
                                                  if figures.create_completion_tokens_per_s else None),
        "tokens": figures.tokens,
        "runs": figures.runs,
        "n_gpu_layers": options.n_gpu_layers,
        "app_path": figures.app_path,
        "llama_bench_tokens_per_s": round(reference, 2) if reference else None,
        "app_vs_llama_bench": round(figures.app_tokens_per_s / reference, 4) if reference else None,
        "app_sampling": figures.app_sampling,
        "per_token_ms": figures.per_token_ms,
    }
    if args.json:
        print(json.dumps({"decode": result}))
    else:
        print(f"{'path':<44}{'tokens/s':>12}")
        print(f"{'app (' + figures.app_path + ')':<44}{result['app_tokens_per_s']:>12.1f}")
        print(f"{'llama.cpp loop (llama_decode + C sampler)':<44}{result['llama_tokens_per_s']:>12.1f}")
        if result["llama_bench_tokens_per_s"]:
            print(f"{'llama-bench tg (no sampling, upper bound)':<44}{result['llama_bench_tokens_per_s']:>12.1f}")
        if result["create_completion_stream_tokens_per_s"]:
            print(f"{'create_completion(stream=True), not used':<44}"
                  f"{result['create_completion_stream_tokens_per_s']:>12.1f}")
        print(f"ratio app / llama.cpp loop: {result['ratio']:.3f}  "
              f"({figures.tokens} tokens, median of {figures.runs} alternating runs)")
    return 0


def _startup(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.startup import bench_startup, bench_startup_display

    if args.runs < 1:
        raise UserError("--runs must be at least 1.")
    if args.display:
        _print("startup", bench_startup_display(args.runs, _progress(args), args.home), args.json)
        return 0
    _progress(args).note(f"{args.runs} cold starts of the window (offscreen)")
    result = bench_startup(args.runs)
    if args.json:
        print(json.dumps({"startup": result}))
    else:
        print(f"window cold start: median {result['cold_start_s_median']:.2f} s, "
              f"best {result['cold_start_s_min']:.2f} s over {args.runs} runs")
    return 0


def _api(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.api import bench_api

    if args.tokens < 2 or args.runs < 1 or args.streams < 1:
        raise UserError("--tokens must be at least 2, --runs and --streams at least 1.")
    _print("api", bench_api(args.model, _options(args, ctx), args.tokens, args.runs, args.streams,
                            _progress(args)), args.json)
    return 0


def _parallel(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop.bench.parallel import bench_parallel
    from desktop.core.batch_decode import MAX_SLOTS

    if args.tokens < 2 or args.runs < 1 or not 2 <= args.streams <= MAX_SLOTS:
        raise UserError(f"--tokens must be at least 2, --runs at least 1 and --streams between 2 and {MAX_SLOTS}.")
    _print("parallel", bench_parallel(args.model, _options(args, ctx), args.streams, args.tokens, args.runs,
                                      _progress(args)), args.json)
    return 0
