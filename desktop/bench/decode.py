"""Decode speed of the app's full path against llama.cpp's own loop on the same model, same run.

The app path is the real one: the window's EngineBridge queues a TurnSession on the engine's
thread, which runs the runtime, the harmony parser and the batching, and events cross to this
thread as batched queued Qt signals (nothing is drawn). The
yardstick is `reference_decode`: llama_decode + the same C sampler chain, nothing else. Runs
alternate (app, loop, app, loop, ...) so drift on a shared machine hits both alike.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from types import SimpleNamespace

from desktop.bench.progress import BenchProgress
from desktop.core import harmony
from desktop.core.chat import ChatRequest
from desktop.core.llama_build import load_llama_cpp
from desktop.core.runtime import ChatRuntime, LoadOptions, Sampling, per_token_costs, reference_decode

PROMPT_TEXT = "Write a long, detailed essay about the history of mechanical clocks."
# llama-cpp-python's streaming completion slows as the answer grows (it re-detokenizes all of it
# after every token); it is shown for comparison only, so it gets this much time at most.
CREATE_COMPLETION_CAP_S = 60.0


@dataclass
class DecodeFigures:
    app_tokens_per_s: float
    llama_tokens_per_s: float
    create_completion_tokens_per_s: float | None
    tokens: int
    runs: int
    app_path: str = ""
    per_token_ms: dict | None = None
    app_sampling: str = "host"

    @property
    def ratio(self) -> float:
        return self.app_tokens_per_s / self.llama_tokens_per_s if self.llama_tokens_per_s else 0.0


def _app_run(engine, app, request: ChatRequest, sampling: Sampling, progress: BenchProgress) -> float:
    """One turn through the window's EngineBridge: a TurnSession on its EngineService, events
    relayed to this thread as batched queued signals."""
    from PySide6.QtCore import QEventLoop, QTimer

    done: list = []
    loop = QEventLoop()
    turn = engine.start_turn(request.turns[-1].text, sampling, effort=request.effort, today=request.today)
    for signal in (turn.sig_finished, turn.sig_cancelled, turn.sig_failed):
        signal.connect(done.append)
        signal.connect(loop.quit)
    # A real event loop, as the window runs: a processEvents() spin holds the interpreter lock
    # most of the time and slows the engine's thread (the time limit is checked once a second).
    watchdog = QTimer(interval=1000, timeout=lambda: loop.quit() if progress.remaining_s <= 0 else None)
    watchdog.start()
    try:
        while not done:
            loop.exec()
            progress.check()  # raises past the limit (a slot cannot raise out of the loop)
    finally:
        watchdog.stop()
    if isinstance(done[0], str):
        raise RuntimeError(done[0])
    return done[0].result.stats.tokens_per_s


class _ThreadEngine:
    """The app path where Qt is not installed (a headless GPU box): the same run_chat on a worker
    thread, deltas handed to this thread through a queue at the same batching rate."""

    def __init__(self, model: str, options: LoadOptions) -> None:
        self.runtime = ChatRuntime(model, options)

    def run(self, request: ChatRequest, sampling: Sampling, progress: BenchProgress) -> float:
        import queue
        import threading

        from desktop.core.chat import run_chat

        deltas: queue.Queue = queue.Queue()
        results: list = []
        worker = threading.Thread(target=lambda: results.append(
            run_chat(self.runtime, request, sampling, on_deltas=deltas.put)))
        worker.start()
        while worker.is_alive() or not deltas.empty():
            try:
                deltas.get(timeout=0.01)
            except queue.Empty:
                progress.check()
        worker.join()
        return results[0].stats.tokens_per_s

    def close(self) -> None:
        self.runtime.close()


def _create_completion_run(model: str, options: LoadOptions, n_ctx: int, prompt: str, sampling: Sampling,
                           cap_s: float) -> tuple[float, int]:
    """llama-cpp-python's high-level streaming, shown for comparison (the app does not use it):
    (tokens/s, tokens generated), stopped after `cap_s` seconds.

    It gets its own `Llama` with the same options (the app's runtime has no `Llama` inside).
    The clock is read in a stopping criterion, which llama-cpp-python calls after every token:
    its stream may hold text back for a long time (seen: over 280 s for 2,048 tokens of a
    random-weight model on an H200), so checking between yielded chunks would not bound it.
    """
    llama_cpp = load_llama_cpp()
    llm = llama_cpp.Llama(model_path=model, n_ctx=n_ctx, n_batch=options.n_batch, n_ubatch=options.n_batch,
                          n_gpu_layers=options.n_gpu_layers, n_threads=options.n_threads or None,
                          n_threads_batch=options.n_threads or None,
                          flash_attn=options.flash_attn if options.flash_attn is not None else options.n_gpu_layers != 0,
                          verbose=False)
    seen: list[float] = []
    deadline = time.perf_counter() + cap_s

    def out_of_time(_ids, _logits) -> bool:
        seen.append(time.perf_counter())
        return seen[-1] > deadline

    try:
        for _chunk in llm.create_completion(prompt, max_tokens=sampling.max_tokens, stream=True,
                                            temperature=sampling.temperature, top_k=sampling.top_k,
                                            top_p=sampling.top_p, min_p=sampling.min_p, seed=sampling.seed,
                                            stopping_criteria=llama_cpp.StoppingCriteriaList([out_of_time])):
            pass
    finally:
        llm.close()
    n = len(seen)
    return ((n - 1) / (seen[-1] - seen[0]) if n > 1 and seen[-1] > seen[0] else 0.0), n


def _qt_engine(model: str, options: LoadOptions):
    """The window's own EngineBridge on a QCoreApplication, or None where Qt is not installed."""
    try:
        from PySide6.QtCore import QCoreApplication
    except ImportError:
        return None, None
    from desktop.ui.engine_bridge import EngineBridge

    app = QCoreApplication.instance() or QCoreApplication([])
    engine = EngineBridge()
    loaded: list = []
    engine.sig_loaded.connect(loaded.append)
    engine.sig_load_failed.connect(loaded.append)
    # Load exactly these options (no planning): both paths must run the same configuration.
    engine.load(model, lambda: (options, SimpleNamespace(label="as given")))
    while not loaded:
        app.processEvents()
        time.sleep(0.005)
    if isinstance(loaded[0], str):
        raise RuntimeError(loaded[0])
    return engine, app


def bench_decode(model: str, options: LoadOptions, tokens: int, runs: int,
                 with_create_completion: bool = True, progress: BenchProgress | None = None) -> DecodeFigures:
    progress = progress or BenchProgress("decode")
    request = ChatRequest((harmony.Turn("user", PROMPT_TEXT),), effort="medium")
    prompt = harmony.render_prompt(request.turns, effort=request.effort, today=request.today)
    # Fixed seed and a large top-k: both paths sample the same distribution with the same chain.
    sampling = Sampling(max_tokens=tokens, seed=1234, temperature=1.0, top_k=40)
    progress.note(f"loading {model} twice (the app's engine and the reference loop)")
    engine, app = _qt_engine(model, options)
    threaded = _ThreadEngine(model, options) if engine is None else None
    reference = ChatRuntime(model, options)
    reference_sampling_on_device = reference._sample_on_device(sampling)  # the app's runtime decides alike
    try:
        app_speeds, loop_speeds = [], []
        for run in range(1, runs + 1):
            app_speeds.append(_app_run(engine, app, request, sampling, progress) if engine
                              else threaded.run(request, sampling, progress))
            progress.note(f"run {run}/{runs}: app {app_speeds[-1]:.1f} tok/s")
            loop_speeds.append(reference_decode(reference, prompt, sampling).tokens_per_s)
            progress.note(f"run {run}/{runs}: llama.cpp loop {loop_speeds[-1]:.1f} tok/s")
        costs = per_token_costs(reference, prompt, sampling, min(tokens, 256))
        progress.note("per token (ms): " + "; ".join(
            f"{where} " + ", ".join(f"{k} {v}" for k, v in row.items() if k != "note") for where, row in costs.items()))
        cc = None
        if with_create_completion:
            cap_s = min(CREATE_COMPLETION_CAP_S, progress.remaining_s)
            n_ctx = reference.n_ctx
            reference.close()  # its memory goes back before the comparison loads its own copy
            cc, streamed = _create_completion_run(model, options, n_ctx, prompt, sampling, cap_s)
            progress.note(f"create_completion(stream=True): {cc:.1f} tok/s over {streamed} tokens"
                          + (f" (stopped at the {cap_s:.0f} s cap)" if streamed < tokens else ""))
    finally:
        reference.close()
        if engine:
            engine.shutdown()
        else:
            threaded.close()
    return DecodeFigures(statistics.median(app_speeds), statistics.median(loop_speeds), cc, tokens, runs,
                         "Qt LLM thread via EngineService + batched queued signals" if engine else "worker thread + queue (no Qt here)",
                         costs, "device" if reference_sampling_on_device else "host")


def llama_bench_decode(binary: str, model: str, n_gpu_layers: int, tokens: int) -> float | None:
    """llama.cpp's own llama-bench decode speed (tg, no sampling: an upper bound), if it runs."""
    import json
    import subprocess

    command = [binary, "-m", model, "-ngl", str(99 if n_gpu_layers < 0 else n_gpu_layers), "-fa", "1",
               "-p", "0", "-n", str(tokens), "-r", "3", "-o", "json"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True).stdout
        return float(json.loads(out)[0]["avg_ts"])
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, IndexError):
        return None
