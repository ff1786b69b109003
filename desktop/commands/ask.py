"""`gpt-oss-desktop ask "PROMPT"`: one question, answer streamed to stdout."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from dataclasses import replace

from desktop.context import AppContext
from desktop.core import harmony
from desktop.core.chat import load_options_from_settings, run_turn, sampling_from_settings
from desktop.core.errors import UserError
from desktop.core.harmony import Delta
from desktop.core.runtime import ChatRuntime
from desktop.settings import EFFORTS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ask", help="ask gpt-oss one question; the answer streams to stdout")
    parser.add_argument("prompt", help="the question")
    parser.add_argument("--model", help="GGUF file (default: the model chosen in the app)")
    parser.add_argument("--effort", choices=EFFORTS, help="reasoning effort (default: the app's setting)")
    parser.add_argument("--max-tokens", type=int, help="stop after this many tokens")
    parser.add_argument("--temperature", type=float, help="sampling temperature (0 = greedy)")
    parser.add_argument("--seed", type=int, help="sampling seed, for repeatable answers")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end instead of streaming")
    parser.add_argument("--quiet", action="store_true", help="do not print the reasoning")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    settings = ctx.settings
    model_path = args.model or settings.model.chat_model_path
    if not model_path:
        raise UserError("No model chosen: pass --model PATH (a gpt-oss .gguf file) or pick one in the app.")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise UserError("--max-tokens must be at least 1.")
    effort = args.effort or settings.reasoning.effort
    sampling = sampling_from_settings(settings, args.max_tokens)
    if args.temperature is not None:
        sampling = replace(sampling, temperature=args.temperature)
    if args.seed is not None:
        sampling = replace(sampling, seed=args.seed)

    runtime = ChatRuntime(model_path, load_options_from_settings(settings))
    prompt = harmony.render_prompt(
        [harmony.Turn("user", args.prompt)], effort=effort,
        instructions=settings.reasoning.system_prompt, today=datetime.date.today(),
    )
    try:
        result = run_turn(runtime, prompt, sampling, on_deltas=None if args.json else _printer(args.quiet),
                          flush_interval_s=0.0)
    finally:
        runtime.close()
    if args.json:
        print(json.dumps({
            "answer": result.answer,
            "reasoning": result.reasoning,
            "effort": effort,
            "prompt": prompt,
            "model": str(runtime.info.path),
            "stats": {**result.stats.as_dict(), "reasoning_s": round(result.reasoning_s, 3)},
        }, ensure_ascii=False))
    else:
        sys.stdout.write("\n")
        sys.stdout.flush()
    return 0


def _printer(quiet: bool):
    def show(deltas: list[Delta]) -> None:
        for delta in deltas:
            if delta.channel == "final":
                sys.stdout.write(delta.text)
                sys.stdout.flush()
            elif not quiet:
                sys.stderr.write(delta.text)
                sys.stderr.flush()
    return show
