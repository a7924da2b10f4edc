"""Fast tests of the crash-safety pieces: queue, checkpoints, stale sessions, lease, safe files."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sqlite3
import subprocess
import time
import warnings
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from slumpwatch.errors import LeaseError, StoreError
from slumpwatch.lease import MonitorLease
from slumpwatch.monitor import Monitor
from slumpwatch.notify.routes import ConsoleRoute, Notifier
from slumpwatch.report import reduce_day
from slumpwatch.store import SCHEMA_VERSION, AlertRecord, BufferedLog, Span, Store

from .conftest import side_pose

UTC = timezone.utc
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).timestamp()


@contextlib.contextmanager
def locked(path: Path):  # type: ignore[no-untyped-def]
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("COMMIT")
        other.close()


def test_locked_log_queues_with_one_message_then_writes_everything(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    messages: list[str] = []
    clock = [0.0]
    with Store(path, timeout_s=0.01) as store:
        log = BufferedLog(store, messages.append, retry_s=1.0, clock=lambda: clock[0])
        log.start_session(T0, "p", "cam", {})
        with locked(path):
            for i in range(20):
                clock[0] += 1.0
                log.put_span(Span("upright", T0 + i, T0 + i + 1))
                assert not log.flush()
            log.put_alert(AlertRecord(T0 + 3, "nudge", None, "console"))
        assert len(messages) == 1 and "locked by another program" in messages[0]
        clock[0] += 1.0
        log.end_session(T0 + 20)
        assert log.flush()
        assert len(messages) == 2 and "writable again" in messages[1]
        assert len(store.spans(0, 2e9)) == 20 and len(store.alerts(0, 2e9)) == 1
        assert store.db.execute("SELECT end FROM sessions").fetchall() == [(T0 + 20,)]


def test_queue_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    messages: list[str] = []
    with Store(path, timeout_s=0.01) as store:
        log = BufferedLog(store, messages.append, limit=5, retry_s=0.0)
        log.start_session(T0, "p", "cam", {})
        with locked(path):
            for i in range(10):
                log.put_span(Span("upright", T0 + i, T0 + i + 1))
        assert log.pending() == 5 and log.lost == 5
        assert sum("dropping the oldest" in m for m in messages) == 1
        assert log.flush()
        assert [s.start for s in store.spans(0, 2e9)] == [T0 + i for i in range(5, 10)]


def test_finish_gives_up_with_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with Store(path, timeout_s=0.01) as store, locked(path):
        log = BufferedLog(store, lambda m: None, retry_s=0.01)
        log.put_span(Span("upright", T0, T0 + 1))
        with pytest.raises(StoreError, match="1 posture records could not be written"):
            log.finish(wait_s=0.1, sleep=lambda s: None)


def test_open_span_is_checkpointed_and_stale_session_closed(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with Store(path) as store:
        mon = Monitor(None, store, Notifier([ConsoleRoute(io.StringIO())]), on_message=lambda m: None)
        mon.start(T0)
        for i in range(0, 101, 2):  # upright for 100 s, never stopped (a crash)
            mon.process(T0 + i, side_pose(3.0))
        spans = store.spans(0, 2e9)
        assert spans[0].start == T0 and spans[-1].end >= T0 + 100 - mon.checkpoint_s
        assert spans[-1].mean_dev is not None and spans[-1].samples > 0
        assert store.close_stale_sessions() == 1
        (end,) = store.db.execute("SELECT end FROM sessions").fetchone()
        assert end == spans[-1].end
        assert store.close_stale_sessions() == 0


def test_monitor_drops_non_finite_and_backwards_input() -> None:
    with Store(":memory:") as store:
        mon = Monitor(None, store, Notifier([ConsoleRoute(io.StringIO())]), on_message=lambda m: None)
        mon.start(T0)
        mon.process(T0 + 1, side_pose(3.0))
        mon.process(float("nan"), side_pose(3.0))
        mon.process(T0 + 0.5, side_pose(3.0))
        nan_pose = side_pose(3.0)
        nan_pose.landmarks["nose"] = nan_pose.landmarks["nose"]._replace(x=float("inf"))  # type: ignore[index]
        mon.process(T0 + 2, nan_pose)
        mon.process(T0 + 3, side_pose(3.0))
        mon.stop(T0 + 3)
        assert mon.dropped == {
            "time not finite": 1,
            "time going backwards": 1,
            "non-finite landmark values": 1,
        }
        assert [(s.start, s.end) for s in store.spans(0, 2e9)] == [(T0 + 1, T0 + 3)]


def test_report_never_counts_a_minute_twice() -> None:
    # Two monitors wrote the same 10 minutes, shifted by 5 minutes.
    spans = [
        Span("upright", T0, T0 + 600, 2, 2),
        Span("slumped", T0 + 300, T0 + 900, 20, 25),
    ]
    rep = reduce_day(date(2026, 11, 30), UTC, spans, [])
    assert rep.monitored_s == 900
    assert rep.present_s == 900 and rep.slumped_s == 300


def test_store_closes_its_connection_when_setup_fails(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(StoreError, match="newer slumpwatch"):
            Store(path)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_damaged_log_refused_by_quick_check_before_any_write(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with Store(path) as s:
        s.db.execute("CREATE TABLE filler(x TEXT)")
        s.db.executemany("INSERT INTO filler VALUES (?)", [("y" * 900,)] * 200)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2000] = b"\x07" * 2000
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt"):
        Store(path, check=True)
    assert path.read_bytes() == bytes(data)


def test_lease_names_the_running_process(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with MonitorLease(db), pytest.raises(LeaseError, match=f"pid {os.getpid()}"):
        MonitorLease(db).acquire()
    with MonitorLease(db):  # released on exit
        pass


def test_profile_backup_and_annotate_never_overwrites(tmp_path: Path) -> None:
    import numpy as np

    from slumpwatch.annotate import save_new
    from slumpwatch.calibration import Profile, load_profile, save_profile
    from slumpwatch.scoring import build_baseline

    path = tmp_path / "desk.json"
    first = Profile("desk", "one", build_baseline([side_pose(2.0)] * 3))
    save_profile(first, path)
    save_profile(Profile("desk", "two", first.baseline), path)
    assert load_profile(path).created == "two"
    assert load_profile(path.with_name("desk.json.bak")).created == "one"

    photo = tmp_path / "me.annotated.jpg"
    photo.write_bytes(b"original")
    image = np.zeros((8, 8, 3), np.uint8)
    written = [save_new(tmp_path, "me", image) for _ in range(2)]
    assert [p.name for p in written] == ["me.annotated-2.jpg", "me.annotated-3.jpg"]
    assert photo.read_bytes() == b"original"


def test_autostart_passes_slumpwatch_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from slumpwatch import autostart

    monkeypatch.setenv("SLUMPWATCH_HOME", str(tmp_path / "my home"))
    assert f'Environment="SLUMPWATCH_HOME={tmp_path}/my home"' in autostart.content("linux")
    assert "<key>SLUMPWATCH_HOME</key>" in autostart.content("darwin")
    assert 'set "SLUMPWATCH_HOME=' in autostart.content("win32")
    monkeypatch.delenv("SLUMPWATCH_HOME")
    assert "SLUMPWATCH_HOME" not in autostart.content("linux")


def test_notification_timeout_ends_the_process_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slumpwatch.notify import linux

    child_pid = tmp_path / "child.pid"
    fake = tmp_path / "notify-send"
    fake.write_text(f"#!/bin/sh\nsleep 30 &\necho $! > {child_pid}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        linux.send("title", "body", 0.5)
    assert time.monotonic() - start < 2.0
    pid = int(child_pid.read_text())
    deadline = time.monotonic() + 2
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the notify-send child outlived the timeout"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
