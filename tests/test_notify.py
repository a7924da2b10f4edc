from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest

from slumpwatch.notify.exercises import BY_KEY, CATALOG, Trigger, suggest
from slumpwatch.notify.policy import AlertPolicy, PolicyConfig
from slumpwatch.notify.routes import ConsoleRoute, FunctionRoute, Notifier

# ------------------------------------------------------------------ catalog


def test_catalog_has_every_exercise_of_the_guide() -> None:
    names = " ".join(e.name for e in CATALOG).lower()
    for needed in ("puppy pose", "mini cobra", "bretzel", "towel", "tennis", "bird dog", "sit right back"):
        assert needed in names
    for e in CATALOG:
        assert 2 <= len(e.steps) <= 4 and all(e.steps) and isinstance(e.trigger, Trigger) and e.targets
    assert "bed" in " ".join((*BY_KEY["sit-back"].steps, BY_KEY["sit-back"].targets))


def test_rotation_never_repeats_when_there_is_a_choice() -> None:
    last = None
    for _ in range(10):
        e = suggest(Trigger.LONG_SLUMP, last)
        assert e.key != last
        last = e.key


# ------------------------------------------------------------------ policy

T0 = datetime(2026, 11, 30, 10, 0, 0)


def at(seconds: float) -> tuple[float, datetime]:
    return 1_000_000.0 + seconds, T0 + timedelta(seconds=seconds)


def test_first_alert_is_a_gentle_nudge_then_escalates_after_cooldown() -> None:
    p = AlertPolicy(PolicyConfig(cooldown_s=300, escalate_after_s=600))
    a = p.decide(*at(0), slumped_s=25, deviation_deg=18)
    assert a is not None and a.kind == "nudge" and "Sit right back" in a.body
    assert "Slumped for 25 s, 18 degrees forward" in a.body
    assert p.decide(*at(120), slumped_s=145, deviation_deg=18) is None  # cooldown
    b = p.decide(*at(301), slumped_s=326, deviation_deg=20)
    assert b is not None and b.kind == "exercise" and "Try:" in b.body
    assert "Slumped for 5 min" in b.body


def test_snooze_quiet_hours_and_daily_cap() -> None:
    p = AlertPolicy(PolicyConfig(cooldown_s=10, daily_cap=3))
    p.snooze(at(0)[0], 1800)
    assert p.decide(*at(100), 30, 20) is None
    assert p.decide(*at(1801), 30, 20) is not None
    assert p.decide(*at(1900), 30, 20) is not None
    assert p.decide(*at(2000), 30, 20) is not None
    assert p.decide(*at(2100), 30, 20) is None  # cap of 3
    nxt = at(86400)  # next day: the cap resets
    assert p.decide(*nxt, 30, 20) is not None
    q = AlertPolicy(PolicyConfig(quiet_start=dtime(22), quiet_end=dtime(7)))
    late = datetime(2026, 11, 30, 23, 30)
    assert q.decide(0.0, late, 60, 20) is None
    assert q.decide(0.0, datetime(2026, 11, 30, 9, 0), 60, 20) is not None


def test_snooze_until_tomorrow() -> None:
    p = AlertPolicy()
    now, local = at(0)
    p.snooze_until_tomorrow(now, local)
    assert p.decide(now + 13 * 3600, local + timedelta(hours=13), 60, 20) is None
    assert p.decide(now + 14 * 3600 + 1, local + timedelta(hours=14, seconds=1), 60, 20) is not None


def test_exercise_suggestions_rotate_and_follow_the_day() -> None:
    p = AlertPolicy(PolicyConfig(cooldown_s=0, escalate_after_s=0, stiffness_after=3, end_of_day_after=5))
    seen = []
    for i in range(7):
        a = p.decide(*at(i * 10.0), 700, 20)
        assert a is not None
        seen.append(a.exercise)
    assert all(a.key != b.key for a, b in itertools.pairwise(seen))
    assert seen[0].trigger is Trigger.LONG_SLUMP
    assert seen[3].trigger is Trigger.STIFFNESS
    assert seen[5].trigger is Trigger.END_OF_DAY


# ------------------------------------------------------------------ fallback chain


def _raise(title: str, body: str, timeout: float) -> None:
    raise NotImplementedError("no backend")


def _hang(title: str, body: str, timeout: float) -> None:
    time.sleep(30)


def test_fallback_chain_reaches_console_in_time(caplog: pytest.LogCaptureFixture) -> None:
    out = io.StringIO()
    n = Notifier(
        [
            FunctionRoute("raises", _raise),
            FunctionRoute("hangs", _hang),
            FunctionRoute("silent", lambda *a: False),
            ConsoleRoute(out),
        ],
        timeout_s=0.3,
    )
    start = time.monotonic()
    assert n.send("Sit back", "Slumped for 4 min") == "console"
    assert time.monotonic() - start < 1.5
    assert "Sit back: Slumped for 4 min" in out.getvalue()
    # Failures are logged once, then the broken routes are skipped without waiting again.
    start = time.monotonic()
    assert n.send("again", "x") == "console"
    assert time.monotonic() - start < 0.2
    warnings = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(warnings) == 3


def test_working_route_is_used_first() -> None:
    got: list[tuple[str, str]] = []
    n = Notifier([FunctionRoute("ok", lambda t, b, s: got.append((t, b))), ConsoleRoute(io.StringIO())])
    assert n.send("T", "B") == "ok" and got == [("T", "B")]


# ------------------------------------------------------------------ real D-Bus


@pytest.fixture
def dbus_session(tmp_path: Path) -> Iterator[dict[str, str]]:
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus)")
    if shutil.which("notify-send") is None:
        pytest.skip("notify-send is not installed (apt-get install libnotify-bin)")
    pytest.importorskip("dbus_next", reason="dbus-next is needed for the fake notification service")
    proc = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={tmp_path}/bus"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    try:
        yield {"DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        proc.terminate()
        proc.wait(5)
        proc.stdout.close()


def _start_server(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fake_notification_server.py")), *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert server.stdout is not None
    assert server.stdout.readline().strip() == "READY"
    return server


def _stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(5)
    if server.stdout is not None:
        server.stdout.close()


def test_slump_warning_arrives_over_real_dbus(
    dbus_session: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from slumpwatch.notify.routes import os_route

    for k, v in dbus_session.items():
        monkeypatch.setenv(k, v)
    server = _start_server(dbus_session)
    try:
        route = os_route("linux")
        assert route is not None and route.name == "notify-send"
        alert = AlertPolicy().decide(*at(0), slumped_s=240, deviation_deg=18)
        assert alert is not None
        assert Notifier([route], timeout_s=5).send(alert.title, alert.body) == "notify-send"
        assert server.stdout is not None
        got = json.loads(server.stdout.readline())
        assert got["app"] == "slumpwatch"
        assert got["summary"] == alert.title == "Sit back in your chair"
        assert got["body"].startswith("Slumped for 4 min, 18 degrees forward of your upright posture.")
    finally:
        _stop(server)


def test_hung_notification_server_does_not_stall(
    dbus_session: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from slumpwatch.notify.routes import os_route

    for k, v in dbus_session.items():
        monkeypatch.setenv(k, v)
    server = _start_server(dbus_session, "--hang")
    try:
        route = os_route("linux")
        assert route is not None
        out = io.StringIO()
        start = time.monotonic()
        assert Notifier([route, ConsoleRoute(out)], timeout_s=1.0).send("Sit back", "body") == "console"
        assert time.monotonic() - start < 2.5
        assert "Sit back: body" in out.getvalue()
    finally:
        _stop(server)


def test_a_hung_notification_does_not_hold_up_monitoring() -> None:
    """With background sending, the loop goes on while a route hangs; the alert is stored later."""
    import threading
    import time as _time

    from slumpwatch.calibration import Profile
    from slumpwatch.monitor import Monitor
    from slumpwatch.notify.routes import ConsoleRoute, FunctionRoute, Notifier
    from slumpwatch.scoring import build_baseline
    from slumpwatch.store import Store

    from .conftest import front_pose

    release = threading.Event()

    def hang(title: str, body: str, timeout: float) -> bool:
        release.wait(5)
        return True

    notifier = Notifier([FunctionRoute("slow", hang), ConsoleRoute(io.StringIO())], timeout_s=1.0)
    profile = Profile("t", "now", build_baseline([front_pose(head_drop=d) for d in (-0.01, 0, 0.01)]))
    store = Store(":memory:")
    try:
        m = Monitor(profile, store, notifier, notify_in_background=True)
        t0 = 1_700_000_000.0
        m.start(t0)
        slowest = 0.0
        for k in range(60):
            started = _time.monotonic()
            m.process(t0 + k, front_pose(head_drop=0.3, neck_ratio=0.4))
            slowest = max(slowest, _time.monotonic() - started)
        assert slowest < 0.5, f"a sample waited {slowest:.2f} s for the notification"
        release.set()
        m.stop(t0 + 61)
        alerts = store.alerts(0, 2e9)
        assert alerts and alerts[0].route in ("slow", "console")
        assert m.sent and m.sent[0].route == alerts[0].route
    finally:
        store.close()
