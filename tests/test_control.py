"""Live control: the channel, pause/resume/snooze applied by the loop, paused spans stored."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from slumpwatch.calibration import load_profile
from slumpwatch.control import ControlServer, LiveControl, parse_duration, request, serving, until_from
from slumpwatch.errors import ControlError
from slumpwatch.monitor import Monitor
from slumpwatch.notify.routes import ConsoleRoute, FunctionRoute, Notifier
from slumpwatch.state import State
from slumpwatch.store import Store

from .conftest import ROOT, front_pose

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="Unix sockets")


def test_durations() -> None:
    assert parse_duration("30m") == 1800 and parse_duration("1h") == 3600 and parse_duration("90s") == 90
    assert parse_duration("tomorrow") == "tomorrow"
    for bad in ("soon", "-1h", "0m", "nanh", "9999h"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    from datetime import datetime, timezone

    noon = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc).timestamp()
    assert until_from(noon, "tomorrow", timezone.utc) - noon == 12 * 3600


@pytest.fixture
def sock_path() -> Iterator[Path]:
    # A short path: AF_UNIX paths are limited to about 100 bytes.
    with tempfile.TemporaryDirectory(prefix="sw") as tmp:
        yield Path(tmp) / "control.sock"


def test_no_monitor_running_is_an_error(sock_path: Path) -> None:
    with pytest.raises(ControlError, match="no slumpwatch monitor is running"):
        request({"cmd": "status"}, sock_path)
    sock_path.touch()  # a stale file: nobody listens
    with pytest.raises(ControlError, match="no slumpwatch monitor is running"):
        request({"cmd": "status"}, sock_path)


def test_cli_without_monitor_exits_non_zero() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "slumpwatch", "pause", "1h"], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 9
    assert proc.stderr.strip() == (
        "slumpwatch: no slumpwatch monitor is running (start one with `slumpwatch run` or `slumpwatch tray`)"
    )


def test_socket_is_private_and_requests_are_answered(sock_path: Path) -> None:
    control = LiveControl()
    sock_path.touch()  # left by a crash: replaced
    with serving(control, sock_path) as server:
        assert server is not None
        mode = stat.S_IMODE(sock_path.stat().st_mode)
        assert stat.S_ISSOCK(sock_path.stat().st_mode) and mode == 0o600
        assert request({"cmd": "status"}, sock_path)["state"] is None
        reply = request({"cmd": "pause", "for": "1h"}, sock_path)
        assert reply["state"] == "paused" and reply["paused_until"] > time.time() + 3500
        assert control.paused_until is not None
        assert request({"cmd": "resume"}, sock_path)["paused_until"] is None
        with pytest.raises(ControlError, match="refused: unknown command"):
            request({"cmd": "format-disk"}, sock_path)
        with pytest.raises(ControlError, match="refused: 'soon' is not a duration"):
            request({"cmd": "pause", "for": "soon"}, sock_path)
        # garbage does not stop the server
        with socket.socket(socket.AF_UNIX) as raw:
            raw.connect(str(sock_path))
            raw.sendall(b"\xff\xfe not json\n")
            assert json.loads(raw.makefile().readline())["ok"] is False
        # a second monitor does not take the channel over
        with pytest.raises(ControlError, match="another monitor already answers"):
            ControlServer(LiveControl(), sock_path).start()
        assert request({"cmd": "status"}, sock_path)["ok"]
    assert not sock_path.exists()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to act as another user")
def test_another_user_cannot_pause(sock_path: Path) -> None:
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3 that another user can run")
    os.chmod(sock_path.parent, 0o755)  # the folder is open: only the socket's own mode protects it
    control = LiveControl()
    with serving(control, sock_path):
        code = (
            "import socket,sys\n"
            "s=socket.socket(socket.AF_UNIX)\n"
            "try:\n s.connect(sys.argv[1])\nexcept PermissionError:\n sys.exit(13)\n"
            's.sendall(b\'{"cmd": "pause", "for": "1h"}\\n\'); print(s.recv(999))\n'
        )
        proc = subprocess.run(
            [python, "-c", code, str(sock_path)], user=65534, cwd="/", capture_output=True, timeout=30
        )
        assert proc.returncode == 13, proc
        assert control.paused_until is None


def _monitor(store: Store, sent: list[str]) -> Monitor:
    notifier = Notifier([FunctionRoute("fake", lambda t, b, s: sent.append(t)), ConsoleRoute(io.StringIO())])
    profile = load_profile(ROOT / "calibration" / "front_desk.json")
    return Monitor(profile, store, notifier)


def test_pause_is_stored_as_paused_and_resume_monitors_again() -> None:
    t0 = 1_800_000_000.0
    control = LiveControl(clock=lambda: t0)
    with Store(":memory:") as store:
        mon = _monitor(store, [])
        mon.on_status = control.watching(None)
        mon.start(t0)
        skipped = 0
        for i in range(200):
            t = t0 + i
            if i == 50:
                until = control.pause(3600.0)
                assert until == t0 + 49 + 3600  # from the monitor's clock: the last sample
            if i == 120:
                assert control.describe()["state"] == "paused"
                assert control.resume()
            if control.sync(mon, t):
                skipped += 1
                continue
            mon.process(t, front_pose())
        mon.stop(t0 + 199)
        spans = [(s.state, s.start - t0, s.end - t0) for s in store.spans(0, 2e9)]
    assert skipped == 70
    assert ("paused", 50, 120) in spans
    before, after = spans[: spans.index(("paused", 50, 120))], spans[spans.index(("paused", 50, 120)) + 1 :]
    assert before and before[-1][2] == 50 and after and after[0][1] == 120 and after[0][0] != "paused"
    assert not any(s == "away" for s, *_ in spans)


def test_pause_ends_by_itself_and_snooze_reaches_the_policy() -> None:
    t0 = 1_800_000_000.0
    control = LiveControl(clock=lambda: t0)
    with Store(":memory:") as store:
        mon = _monitor(store, [])
        mon.start(t0)
        control.pause(10.0)
        control.snooze(3600.0)
        assert control.sync(mon, t0)
        assert mon.policy.snoozed_until == t0 + 3600
        assert mon.machine.state is State.PAUSED
        assert not control.sync(mon, t0 + 11)  # the pause has run out
        assert control.describe()["paused_until"] is None


def test_replay_in_real_time_answers_control(tmp_path: Path) -> None:
    """End to end: a real-time replay in the background; status, pause 1h, status, resume."""
    db = tmp_path / "log.sqlite3"
    env = {**os.environ, "SLUMPWATCH_HOME": tempfile.mkdtemp(prefix="swh")}
    cmd = [sys.executable, "-m", "slumpwatch"]
    rec, prof = ROOT / "sample_frames" / "front_desk.jsonl", ROOT / "calibration" / "front_desk.json"
    monitor = subprocess.Popen(
        [*cmd, "replay", str(rec), "--profile-file", str(prof), "--speed", "1", "--db", str(db), "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def ask(*args: str) -> dict[str, object]:
        proc = subprocess.run([*cmd, *args, "--json"], env=env, capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        return dict(json.loads(proc.stdout))

    try:
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run([*cmd, "status"], env=env, capture_output=True, text=True, timeout=30)
            if probe.returncode == 0 and "no sample yet" not in probe.stdout:
                break
            assert time.monotonic() < deadline, probe.stderr
            time.sleep(0.3)
        assert ask("status")["state"] == "upright"
        assert ask("pause", "1h")["paused_until"]
        time.sleep(3)
        paused = ask("status")
        assert paused["state"] == "paused" and paused["paused_why"] == "paused by you"
        text = subprocess.run([*cmd, "status"], env=env, capture_output=True, text=True, timeout=30).stdout
        assert "paused by you until" in text
        assert ask("resume")["paused_until"] is None
        time.sleep(2.5)
        assert ask("status")["state"] == "upright"
    finally:
        monitor.send_signal(signal.SIGTERM)
        _, err = monitor.communicate(timeout=30)
    assert monitor.returncode == 0, err
    assert "paused by you until" in err
    with Store(str(db)) as store:
        spans = store.spans(0, 2e9)
    states = [s.state for s in spans]
    assert "paused" in states
    paused = next(s for s in spans if s.state == "paused")
    assert 2.5 <= paused.end - paused.start <= 15
    assert states.index("paused") > 0 and "upright" in states[states.index("paused") :]
