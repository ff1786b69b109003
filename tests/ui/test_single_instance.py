"""One window per data folder, with real launches of the app (`python -m desktop`) as processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow

from desktop.core.instance_lock import held_by_window
from desktop.paths import AppPaths
from desktop.ui.single_instance import Claim, SingleInstance

ROOT = Path(__file__).resolve().parents[2]
START_WAIT_S = 120.0  # a bound for a loaded machine, not a measurement


def _launch(home: Path) -> subprocess.Popen:
    env = {**os.environ, "GPT_OSS_DESKTOP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-m", "desktop"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_shown(process: subprocess.Popen, home: Path, times: int = 1) -> None:
    """Until the launched window has logged that it is shown (`times` windows in this home)."""
    log = AppPaths.under(home).log_dir / "app.log"
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and log.read_text(encoding="utf-8").count("window shown") >= times:
            return
        time.sleep(0.1)
    raise AssertionError(f"the window did not start (exit code {process.poll()})")


def _finish(process: subprocess.Popen, pump: bool = False) -> tuple[int, str]:
    """Wait for a launch to end, answering the Qt events of this process meanwhile."""
    deadline = time.monotonic() + START_WAIT_S
    while process.poll() is None and time.monotonic() < deadline:
        if pump:
            QApplication.processEvents()
        time.sleep(0.02)
    if process.poll() is None:
        process.kill()
        process.wait()
        return -1, "still running"
    return process.returncode, process.stderr.read()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def test_second_launch_brings_the_open_window_forward_and_exits(qtbot, app_home: Path) -> None:
    instance = SingleInstance(AppPaths.under(app_home).data_dir)
    assert instance.claim() is Claim.OWNER
    instance.listen()  # as the window does once it has painted its first frame
    window = QMainWindow()
    qtbot.addWidget(window)
    window.showMinimized()
    raised: list[bool] = []

    def bring_forward() -> None:
        raised.append(True)
        window.showNormal()

    instance.sig_raise_requested.connect(bring_forward)
    try:
        code, err = _finish(_launch(app_home), pump=True)
    finally:
        instance.release()
    assert code == 0, err
    assert "already open on this data folder: its window was brought forward" in err
    assert raised == [True] and not window.isMinimized()
    assert not (AppPaths.under(app_home).log_dir / "app.log").exists()  # the second one built nothing


def test_a_launch_during_the_first_windows_start_up_waits_and_is_forwarded(qtbot, app_home: Path) -> None:
    instance = SingleInstance(AppPaths.under(app_home).data_dir)
    assert instance.claim() is Claim.OWNER  # the window is starting: it does not listen before its first paint
    raised: list[bool] = []
    instance.sig_raise_requested.connect(lambda: raised.append(True))
    second = _launch(app_home)
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:  # the second launch keeps asking meanwhile
            QApplication.processEvents()
            time.sleep(0.02)
        assert second.poll() is None
        instance.listen()  # the first frame is on screen
        code, err = _finish(second, pump=True)
    finally:
        _stop(second)
        instance.release()
    assert code == 0 and "brought forward" in err
    assert raised == [True]


def test_a_killed_window_never_blocks_the_next_launch(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = _launch(home)
    try:
        _wait_shown(first, home)
        assert held_by_window(AppPaths.under(home).data_dir)
        first.send_signal(signal.SIGKILL)  # no clean-up: lock file and socket file stay behind
        first.wait()
        assert not held_by_window(AppPaths.under(home).data_dir)  # the kernel dropped its lock
        second = _launch(home)
        _wait_shown(second, home, times=2)
        assert second.poll() is None  # it became the window, not a forwarder
        third = _launch(home)  # and it answers: the stale socket did not stop it listening
        code, err = _finish(third)
        assert code == 0 and "brought forward" in err
    finally:
        _stop(first)
        for process in (locals().get("second"), locals().get("third")):
            if process is not None:
                _stop(process)


def test_two_data_folders_run_side_by_side(qtbot, tmp_path: Path) -> None:
    instance = SingleInstance(AppPaths.under(tmp_path / "one").data_dir)
    assert instance.claim() is Claim.OWNER
    other = _launch(tmp_path / "two")
    try:
        _wait_shown(other, tmp_path / "two")
        assert other.poll() is None
    finally:
        _stop(other)
        instance.release()


def test_a_window_that_does_not_answer_is_said_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # A process holding the folder without listening: a window hung in its start-up.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from desktop.core.instance_lock import InstanceLock; "
         "lock = InstanceLock(Path(sys.argv[1])); assert lock.acquire(); print('held', flush=True); time.sleep(600)",
         str(AppPaths.under(home).data_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        launch = _launch(home)
        deadline = time.monotonic() + START_WAIT_S
        line = ""
        while not line and time.monotonic() < deadline:
            line = launch.stderr.readline()  # written before the dialog opens
        _stop(launch)
        assert line.startswith("gpt-oss-desktop is already open on this data folder but does not answer")
    finally:
        _stop(holder)
