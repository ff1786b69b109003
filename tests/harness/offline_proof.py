"""Offline proof: the app's flows run in a network namespace and reach nothing but loopback.

    run_offline_proof(args) -> dict      (Linux: uses unshare(1), mount(8) and ip(8))

Root is not needed: as a normal user the namespaces are made inside a user namespace
(`unshare --user --map-root-user`), where the user is root over its own network and mounts
only. Where the kernel refuses user namespaces (a sysctl, or a container's seccomp filter),
the proof says so in one line.

Every flow (settings, library add / search / list, CLI ask with and without a conversation,
chats list, models list, hw, the window offscreen: model load, one chat turn, the Library
and Settings tabs, a settings change, and the window serving its local API: one request over
HTTP, every listening socket on loopback) runs as its own process inside `unshare --net --mount`:

- The namespace has loopback and one "blackhole" route: a veth pair whose far end answers
  nothing. Every packet sent anywhere but loopback is counted by the kernel (tx_packets), from
  Python, C or C++ code alike. With `no_route`, the namespace has loopback only (connect fails
  at once with ENETUNREACH) and only the Python recorder counts.
- A sitecustomize.py on PYTHONPATH wraps socket connect / connect_ex / sendto / sendmsg and
  getaddrinfo / gethostbyname and writes every non-loopback attempt, with its stack, to a file.
- /tmp is a private tmpfs and HOME a fresh folder: afterwards every file found there (i.e.
  written outside the app's data folder) is listed.

A canary flow makes one deliberate attempt first, to show that the recorders see attempts; an
explicit `models download` comes last: the one flow allowed to reach the network, and it must
say it could not. Neither counts in `non_loopback_attempts`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.harness.bench_models import given_or_tiny

ROOT = Path(__file__).resolve().parents[2]
SECRET = "zebra-quasar-4471"  # in the documents and the questions; must never reach a log

GUARD = r'''
import ipaddress, json, os, socket, sys, traceback

_LOG = os.environ.get("OFFLINE_GUARD_LOG")


def _is_local(host):
    if host in (None, "", "localhost", "ip6-localhost", "localhost.localdomain"):
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address  # "::ffff:127.0.0.1"
    return address.is_loopback or address.is_unspecified


def _record(call, target):
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"pid": os.getpid(), "argv": sys.argv[:4], "call": call,
                                     "target": repr(target)[:200],
                                     "stack": traceback.format_stack(limit=12)[:-2]}) + "\n")


def _check(call, address):
    if isinstance(address, tuple) and address and not _is_local(address[0]):
        _record(call, address)


def _wrap_method(name, position):
    original = getattr(socket.socket, name)

    def wrapper(self, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6) and len(args) > position:
            _check(name, args[position])
        return original(self, *args, **kwargs)
    setattr(socket.socket, name, wrapper)


_wrap_method("connect", 0)
_wrap_method("connect_ex", 0)
_wrap_method("sendto", 1)
_original_sendmsg = socket.socket.sendmsg


def _sendmsg(self, buffers, ancdata=(), flags=0, address=None):
    _check("sendmsg", address)
    return _original_sendmsg(self, buffers, ancdata, flags, *([address] if address else []))


socket.socket.sendmsg = _sendmsg


def _wrap_lookup(name):
    original = getattr(socket, name)

    def wrapper(host, *args, **kwargs):
        if not _is_local(host):
            _record(name, host)
        return original(host, *args, **kwargs)
    setattr(socket, name, wrapper)


for _name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
    _wrap_lookup(_name)
'''

WINDOW = r'''
import json, os, sys, time
from desktop.context import AppContext
from desktop.ui.launch import _setup_logging
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv)
ctx = AppContext.load()
_setup_logging(ctx, False)
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub


def wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting")
        app.processEvents()
        time.sleep(0.01)


window = MainWindow(SettingsHub(ctx))
window.show()
wait(lambda: window.engine.model is not None, 60)
window.hub.update("sampling", max_tokens=24)
window.chat.input.setPlainText(sys.argv[1])
window.chat.send()
wait(lambda: window.engine.busy, 10)
wait(lambda: not window.engine.busy, 120)
for index in range(window.tabs.count()):  # Library and Settings panes, drawn once each
    window.tabs.setCurrentIndex(index)
    app.processEvents()
    window.grab()
window.hub.update("reasoning", effort="high")
print(json.dumps({"prompt_has_question": sys.argv[1] in window.chat.last_prompt,
                  "effort": AppContext.load().settings.reasoning.effort}))
window.close()
app.processEvents()
'''


API_WINDOW = r'''
import json, sys, time, urllib.request
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv)
from desktop.context import AppContext
from desktop.server.hosted import HostedApi
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_hub import SettingsHub


def wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting")
        app.processEvents()
        time.sleep(0.01)


def listening():
    """Every TCP socket listening in this network namespace, as (address hex, port)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A":
                address, port = local.split(":")
                found.append((address, int(port, 16)))
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}
window = MainWindow(SettingsHub(AppContext.load()), api_factory=HostedApi)
window.show()
wait(lambda: window.engine.model is not None, 60)
window.hub.update("api", access="local", port=0)
wait(lambda: window.local_api.status.state in ("serving", "failed"), 60)
status = window.local_api.status
body = json.dumps({"messages": [{"role": "user", "content": sys.argv[1]}], "max_tokens": 8}).encode()
request = urllib.request.Request(status.url + "/chat/completions", data=body, headers={
    "Authorization": f"Bearer {status.key}", "Content-Type": "application/json"})
reply = json.loads(urllib.request.urlopen(request, timeout=120).read())
sockets = listening()
window.hub.update("api", access="off")
wait(lambda: window.local_api.status.state == "off", 60)
report = {"state": status.state, "url": status.url, "completion_tokens": reply["usage"]["completion_tokens"],
          "listening": sockets, "api_port_listening": any(port == status.port for _, port in sockets),
          "after_off": [port for _, port in listening() if port == status.port]}
print(json.dumps(report))
window.close()
app.processEvents()
outside = [s for s in sockets if s[0] not in LOOPBACK]
sys.exit(1 if outside or not report["api_port_listening"] or report["after_off"] else 0)
'''


def _flows(work: Path, chat_model: Path, embedding_model: Path) -> list[tuple[str, list[str], float]]:
    py = sys.executable
    question = f"What does the manual say about {SECRET}?"
    settings = (f"from desktop.context import AppContext; c = AppContext.load(); "
                f"c.update_settings(c.settings.with_section('model', chat_model_path={str(chat_model)!r}, "
                f"context_length=4096).with_section('library', embedding_model_path={str(embedding_model)!r})); "
                f"assert AppContext.load().settings.library.embedding_model_path")
    cli = [py, "-m", "desktop"]
    return [
        ("canary", [py, "-c", "import socket\ntry: socket.create_connection(('10.255.0.2', 80), timeout=2)\n"
                              "except OSError as e: print(e)"], 30),
        ("settings", [py, "-c", settings], 60),
        ("library add", [*cli, "library", "add", str(work / "docs")], 180),
        ("library search", [*cli, "library", "search", f"Where is {SECRET}?", "--json"], 120),
        ("library list", [*cli, "library", "list"], 60),
        ("ask (library, new chat)", [*cli, "ask", question, "--max-tokens", "16", "--chat", "new", "--seed", "1"], 180),
        ("ask (no library)", [*cli, "ask", f"Say {SECRET}", "--max-tokens", "8", "--no-library", "--json"], 120),
        ("chats list", [*cli, "chats", "list"], 60),
        ("models list", [*cli, "models", "list"], 60),
        ("hw", [*cli, "hw"], 60),
        ("window", [py, str(work / "window_flow.py"), f"Tell me about {SECRET}"], 240),
        ("window + local API", [py, str(work / "api_flow.py"), f"Say {SECRET}"], 240),
        ("models download (explicit)", [*cli, "models", "download", "gpt-oss-20b"], 120),
    ]


EXCLUDED = {"canary", "models download (explicit)"}


def _write_docs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manual.md").write_text(f"# Heat pump\n\nThe defrost code is {SECRET}. It runs every 90 minutes.\n")
    (folder / "notes.txt").write_text(f"Router reset: hold the button ten seconds. Ticket {SECRET}.\n")
    (folder / "page.html").write_text(f"<html><body><h1>Bread</h1><p>Bake at 250 C. Batch {SECRET}.</p></body></html>")
    try:
        from tests.fixtures.documents import write_docx, write_pdf
    except ImportError:
        return
    write_pdf(folder / "scan.pdf", [f"Tax receipts for {SECRET} are kept six years."])
    write_docx(folder / "plan.docx", [("h1", "Plan"), ("p", f"Marathon taper, code {SECRET}.")])


def _visible_inside(model: Path, work: Path) -> Path:
    """/tmp is replaced inside the namespace: a model kept there elsewhere is copied in."""
    model = model.resolve()
    if model.is_relative_to("/tmp") and not model.is_relative_to(work):
        (work / "models").mkdir(parents=True, exist_ok=True)
        model = Path(shutil.copy2(model, work / "models" / model.name))
    return model


def namespace_command() -> list[str]:
    """The unshare(1) command for a network and mount namespace, as root or as a normal user.

    Raises SystemExit with one line saying why when this machine cannot make them.
    """
    missing = [tool for tool in ("unshare", "mount", "ip") if not shutil.which(tool)]
    if missing:
        raise SystemExit(f"the offline proof needs {', '.join(missing)} (Linux network and mount namespaces)")
    command = ["unshare", "--net", "--mount"]
    if os.geteuid() != 0:
        command[1:1] = ["--user", "--map-root-user"]  # root of its own namespaces only
    tried = subprocess.run([*command, "true"], capture_output=True, text=True)
    if tried.returncode != 0:
        reason = (tried.stderr.strip().splitlines() or [f"exit code {tried.returncode}"])[-1]
        raise SystemExit(f"the offline proof cannot make network and mount namespaces here ({reason}); "
                         "run it as root, or enable user namespaces (sysctl user.max_user_namespaces, "
                         "kernel.unprivileged_userns_clone)")
    return command


def run_offline_proof(args: argparse.Namespace) -> dict:
    unshare = namespace_command()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="offline-proof-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    chat_model, embedding_model = (_visible_inside(m, work) for m in given_or_tiny(args.chat_model, args.embedding_model, work / "models"))
    _write_docs(work / "docs")
    (work / "guard").mkdir(exist_ok=True)
    (work / "guard" / "sitecustomize.py").write_text(GUARD)
    (work / "window_flow.py").write_text(WINDOW)
    (work / "api_flow.py").write_text(API_WINDOW)
    flows = _flows(work, chat_model, embedding_model)
    if getattr(args, "quick", False):
        flows = [f for f in flows if f[0] in {"canary", "settings", "library add", "library search",
                                               "ask (library, new chat)", "chats list"}]
    (work / "flows.json").write_text(json.dumps(flows))
    started = time.monotonic()
    inner = subprocess.run([*unshare, sys.executable, "-m", "tests.harness.offline_proof",
                            "--inner", str(work), *(["--no-route"] if args.no_route else [])],
                           cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if inner.returncode != 0:
        raise SystemExit(f"namespace setup failed: {inner.stderr[-2000:]}")
    results = [json.loads(line) for line in (work / "results.jsonl").read_text().splitlines()]
    guard = [json.loads(line) for line in (work / "guard.jsonl").read_text().splitlines()] \
        if (work / "guard.jsonl").exists() else []
    stray = json.loads((work / "stray.json").read_text())
    by_flow: dict[str, list[dict]] = {}
    for record in guard:
        by_flow.setdefault(record["flow"], []).append(record)
    for result in results:
        result["python_attempts"] = len(by_flow.get(result["flow"], []))
    counted = [r for r in results if r["flow"] not in EXCLUDED]
    logs = [p for p in (work / "data").rglob("*.log")]
    leaked = [str(p) for p in logs if SECRET in p.read_text(errors="replace")]
    # The CLI logs to stderr as "LEVEL name: message" (stderr also carries progress and reasoning).
    leaked += [r["flow"] + " stderr log" for r in counted for line in r.get("stderr_tail", "").splitlines()
               if SECRET in line and line.startswith(("DEBUG ", "INFO ", "WARNING ", "ERROR ", "CRITICAL "))]
    canary = next(r for r in results if r["flow"] == "canary")
    return {
        "mode": "loopback only" if args.no_route else "loopback + blackhole route (kernel counts packets)",
        "flows": results,
        "flows_passed": sum(r["rc"] == 0 for r in counted),
        "flows_total": len(counted),
        "non_loopback_attempts": sum(r["python_attempts"] + r["packets"] for r in counted),
        "canary_detected": canary["python_attempts"] > 0 and (args.no_route or canary["packets"] > 0),
        "download_says": next((r["stderr_tail"][-300:] for r in results if r["flow"].startswith("models download")), ""),
        "files_outside_data_folder": stray,
        "logs_with_content": leaked,
        "attempt_samples": [{k: g[k] for k in ("flow", "call", "target")} for g in guard[:10]],
        "seconds": round(time.monotonic() - started, 1),
        "workdir": str(work),
    }


# ── inside the namespaces ───────────────────────────────────────────────────────────────────

def _sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def _kept_in_tmp(work: Path) -> list[Path]:
    """What must stay visible under the private /tmp: the work folder, and the checkout and its
    interpreter when they live there (a CI clone in /tmp, say)."""
    wanted = {work, ROOT, Path(sys.prefix).resolve()}
    return sorted(p for p in wanted if p.is_relative_to("/tmp"))


def _inner(work: Path, no_route: bool) -> None:
    # Private /tmp (a tmpfs); the folders the flows need are bound back into it at their paths.
    _sh("mount", "--make-rprivate", "/")
    hold = Path("/srv")
    _sh("mount", "-t", "tmpfs", "tmpfs", str(hold))  # only in this mount namespace
    (hold / "tmp").mkdir()
    _sh("mount", "--bind", "/tmp", str(hold / "tmp"))
    _sh("mount", "-t", "tmpfs", "tmpfs", "/tmp")
    bound: list[Path] = []
    for path in _kept_in_tmp(work):
        if any(path.is_relative_to(b) for b in bound):
            continue  # inside a folder bound already
        path.mkdir(parents=True, exist_ok=True)
        bound.append(path)
        _sh("mount", "--bind", str(hold / "tmp" / path.relative_to("/tmp")), str(path))
    _sh("ip", "link", "set", "lo", "up")
    if not no_route:
        _sh("ip", "link", "add", "ob0", "type", "veth", "peer", "name", "ob1")
        for dev in ("ob0", "ob1"):
            Path(f"/proc/sys/net/ipv6/conf/{dev}/disable_ipv6").write_text("1")  # no router solicitations
        _sh("ip", "addr", "add", "10.255.0.1/30", "dev", "ob0")
        _sh("ip", "link", "set", "ob0", "up")
        _sh("ip", "link", "set", "ob1", "up")
        _sh("ip", "neigh", "add", "10.255.0.2", "lladdr", "02:00:00:00:00:02", "dev", "ob0")
        _sh("ip", "route", "add", "default", "via", "10.255.0.2", "dev", "ob0")
    home = work / "home"
    home.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE", "XDG_"))
            and k not in ("TMPDIR", "PYTHONPATH")}
    env = {**base, "HOME": str(home), "GPT_OSS_DESKTOP_HOME": str(work / "data"), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": f"{work / 'guard'}{os.pathsep}{ROOT}", "OFFLINE_GUARD_LOG": str(work / "guard.tmp")}
    with (work / "results.jsonl").open("w") as results, (work / "guard.jsonl").open("w") as guard:
        for name, argv, timeout in json.loads((work / "flows.json").read_text()):
            before = _tx_packets(no_route)
            began = time.monotonic()
            try:
                proc = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
                rc, out, err = proc.returncode, proc.stdout, proc.stderr
            except subprocess.TimeoutExpired as exc:
                rc, out, err = 124, str(exc.stdout or ""), str(exc.stderr or "")
            time.sleep(0.2)  # let late packets (a closing socket) be counted against this flow
            record = {"flow": name, "rc": rc, "seconds": round(time.monotonic() - began, 2),
                      "packets": _tx_packets(no_route) - before, "stdout_tail": out[-400:], "stderr_tail": err[-600:]}
            results.write(json.dumps(record) + "\n")
            tmp_log = Path(env["OFFLINE_GUARD_LOG"])
            if tmp_log.exists():
                for line in tmp_log.read_text().splitlines():
                    guard.write(json.dumps({**json.loads(line), "flow": name}) + "\n")
                tmp_log.unlink()
    kept = tuple(f"{p}{os.sep}" for p in _kept_in_tmp(work))
    stray = [str(p) for p in _files(Path("/tmp")) if not str(p).startswith(kept)]
    stray += [str(p) for p in _files(home)]
    (work / "stray.json").write_text(json.dumps(stray))


def _files(root: Path) -> list[Path]:
    found = []
    for folder, _dirs, files in os.walk(root):
        found.extend(Path(folder) / f for f in files)
    return found


def _tx_packets(no_route: bool) -> int:
    if no_route:
        return 0
    # Through netlink: /sys still shows the namespace it was mounted in.
    shown = subprocess.run(["ip", "-j", "-s", "link", "show", "dev", "ob0"], capture_output=True, text=True, check=True)
    return int(json.loads(shown.stdout)[0]["stats64"]["tx"]["packets"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--workdir")
    parser.add_argument("--chat-model")
    parser.add_argument("--embedding-model")
    parser.add_argument("--no-route", action="store_true", help="loopback only, no blackhole route")
    parser.add_argument("--quick", action="store_true", help="the CLI flows only (what the test runs)")
    args = parser.parse_args(argv)
    if args.inner:
        _inner(Path(args.inner), args.no_route)
        return
    print(json.dumps(run_offline_proof(args), indent=2))


if __name__ == "__main__":
    main()
