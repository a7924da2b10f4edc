"""Fault injection: the real CLI in a private SLUMPWATCH_HOME, one fault each.

Each test asserts the exit code, that every error is one line (never a traceback), that the log
passes ``PRAGMA integrity_check``, and for kills how many seconds of spans were lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REC = ROOT / "sample_frames" / "front_desk.jsonl"  # slumped from 40 s to 100 s of its 259.5 s
PROFILE = ROOT / "calibration" / "front_desk.json"
MAX_LOSS_S = 30.0


def cli(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slumpwatch", *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "slumpwatch", *args],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")}
    return {**env, "SLUMPWATCH_HOME": str(home)}


def replay_args(db: Path, speed: float = 0.0) -> list[str]:
    return [
        "replay",
        str(REC),
        "--profile-file",
        str(PROFILE),
        "--db",
        str(db),
        "--speed",
        str(speed),
        "--quiet",
    ]


def no_traceback(err: str) -> None:
    assert "Traceback" not in err, err
    # Every message is one line of its own, starting with the program's name (the console warning
    # route prints "[slumpwatch] ..." notifications on stderr too).
    for line in err.splitlines():
        assert not line or line.startswith(("slumpwatch: ", "[slumpwatch] ")), err


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])


def query(db: Path, sql: str, *params: object) -> list[tuple]:  # type: ignore[type-arg]
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as con:
        return con.execute(sql, params).fetchall()


def wait_for_session(db: Path, proc: subprocess.Popen[str], before: int = 0, timeout: float = 30) -> float:
    """The start (epoch seconds) of the session after the first ``before``, once it is written."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        with contextlib.suppress(sqlite3.Error):
            if db.exists():
                rows = query(db, "SELECT start FROM sessions ORDER BY id LIMIT 1 OFFSET ?", before)
                if rows:
                    return float(rows[0][0])
        time.sleep(0.05)
    raise AssertionError("the monitor never started a session")


def covered_s(db: Path, session_start: float) -> float:
    """Seconds of the session, from its start, that spans cover without a gap."""
    spans = query(db, "SELECT start, end FROM spans WHERE start >= ? ORDER BY start", session_start - 1e-6)
    reach = session_start
    for a, b in spans:
        assert a <= reach + 1e-6, f"gap in the spans at {a - session_start:.1f} s"
        reach = max(reach, b)
    return reach - session_start


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP])
def test_kill_mid_slump_loses_at_most_30_s(home: Path, tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "log.sqlite3"
    speed = 8.0
    proc = start(home, *replay_args(db, speed))
    t0 = wait_for_session(db, proc)
    # 72 s into the recording: 32 s into its slump (40 s to 100 s).
    time.sleep(max(72 / speed - (time.time() - t0), 0))
    killed_at = time.time()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    no_traceback(err)
    elapsed = (killed_at - t0) * speed  # seconds of recording time monitored before the signal
    covered = covered_s(db, t0)
    assert integrity(db) == "ok"
    states = [r[0] for r in query(db, "SELECT state FROM spans ORDER BY start")]
    assert "slumped" in states
    if sig == signal.SIGHUP:  # ends like SIGTERM: the session is closed where monitoring stopped
        assert proc.returncode == 0
        (end,) = query(db, "SELECT end FROM sessions")[0]
        assert end is not None and abs((end - t0) - covered) < 1e-6
        assert elapsed - covered <= speed * 1.0  # within a second of wall time
        return
    assert proc.returncode == -signal.SIGKILL
    lost = elapsed - covered
    assert lost <= MAX_LOSS_S, f"lost {lost:.1f} s of spans"
    assert query(db, "SELECT end FROM sessions") == [(None,)]
    # The next start closes the crashed session at its last checkpoint.
    again = cli(home, *replay_args(db))
    assert again.returncode == 0, again.stderr
    assert "closed 1 session(s) left open by a crash" in again.stderr
    first_end = query(db, "SELECT end FROM sessions ORDER BY id LIMIT 1")[0][0]
    assert first_end == pytest.approx(t0 + covered)
    assert integrity(db) == "ok"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_replay_stops_within_a_second(home: Path, tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "log.sqlite3"
    proc = start(home, *replay_args(db, 0.5))  # the recording would last 519 s
    wait_for_session(db, proc)
    time.sleep(0.3)
    sent = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 1.0
    assert proc.returncode == 0, err
    no_traceback(err)


def test_write_lock_held_10_s_queues_spans(home: Path, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    speed = 10.0  # the recording lasts 26 s
    proc = start(home, *replay_args(db, speed))
    t0 = wait_for_session(db, proc)
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        time.sleep(10)
        assert proc.poll() is None  # still monitoring
        other.execute("COMMIT")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    no_traceback(err)
    assert err.count("locked by another program") == 1  # one message, not one per span
    assert err.count("writable again") == 1
    assert covered_s(db, t0) == pytest.approx(259.5)
    assert integrity(db) == "ok"


def test_two_first_runs_and_two_monitors_at_once(home: Path, tmp_path: Path) -> None:
    for round_ in range(2):
        db = tmp_path / f"new{round_}.sqlite3"
        procs = [start(home, *replay_args(db, 20.0)) for _ in range(2)]
        results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
        for code, _, err in results:
            no_traceback(err)
            assert "already exists" not in err
            assert code in (0, 8), err
        codes = sorted(r[0] for r in results)
        assert codes == [0, 8], results  # 13 s each: the second finds the first running
        refused = next(r for r in results if r[0] == 8)[2]
        assert "another slumpwatch (pid " in refused and str(db) in refused
        assert integrity(db) == "ok"
        assert query(db, "SELECT COUNT(*) FROM sessions") == [(1,)]


def test_damaged_log_is_refused_and_left_untouched(home: Path, tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as con:
        con.execute("CREATE TABLE filler(x TEXT)")
        con.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 400)
        con.commit()
    assert cli(home, *replay_args(db)).returncode == 0
    size = db.stat().st_size
    data = bytearray(db.read_bytes())
    page = 4096
    middle = (size // page // 2) * page
    data[middle + 8 : middle + 4000] = bytes(range(256)) * 15 + bytes(range(32))
    db.write_bytes(bytes(data))
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    for args in (
        replay_args(db),
        ["report", "--db", str(db)],
        ["forget", "--before", "today", "--yes", "--db", str(db)],
    ):
        res = cli(home, *args)
        no_traceback(res.stderr)
        assert res.returncode == 7, res.stderr
        assert "corrupt" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str = "2m") -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({res.stderr.decode().strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)
    return filler


def test_full_disk_is_named_and_recovers(home: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        db = disk / "log.sqlite3"
        assert cli(home, *replay_args(db)).returncode == 0
        filler = fill(disk)
        # Nothing can be written: the message says so, and nothing is lost before it is seen.
        res = cli(home, "report", "--db", str(db), "--output", str(disk / "report.txt"))
        no_traceback(res.stderr)
        assert res.returncode != 0 and "disk full" in res.stderr
        filler.unlink()
        proc = start(home, *replay_args(db, 10.0))
        wait_for_session(db, proc, before=1)
        filler = fill(disk)  # the disk fills up while monitoring
        time.sleep(4)
        filler.unlink()  # space again: the queued spans are written
        _, err = proc.communicate(timeout=60)
        no_traceback(err)
        assert proc.returncode == 0, err
        assert err.count("disk full") == 1 and err.count("writable again") == 1
        t0 = query(db, "SELECT start FROM sessions ORDER BY id DESC LIMIT 1")[0][0]
        assert covered_s(db, t0) == pytest.approx(259.5)
        assert integrity(db) == "ok"


def test_full_disk_at_start_is_one_line(home: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        db = disk / "log.sqlite3"
        assert cli(home, *replay_args(db)).returncode == 0
        filler = fill(disk)
        res = cli(home, *replay_args(db))
        no_traceback(res.stderr)
        assert res.returncode == 7
        assert res.stderr.startswith("slumpwatch: disk full") and len(res.stderr.splitlines()) == 1
        filler.unlink()  # (SQLite itself needs a little space to read a WAL database)
        assert integrity(db) == "ok" and query(db, "SELECT COUNT(*) FROM sessions") == [(1,)]


def make_video(path: Path, frames: int = 600) -> None:
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (160, 120))
    for i in range(frames):
        frame = np.full((120, 160, 3), 90, np.uint8)
        cv2.putText(frame, str(i), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
        writer.write(frame)
    writer.release()


def test_corrupt_video_skips_bad_frames_and_says_why_it_ended(home: Path, tmp_path: Path) -> None:
    video = tmp_path / "bad.avi"
    make_video(video)
    data = bytearray(video.read_bytes())
    for offset in range(len(data) * 27 // 100, len(data) * 33 // 100, 997):  # the middle of the file
        data[offset : offset + 64] = bytes(reversed(range(64)))
    video.write_bytes(bytes(data))
    res = cli(home, "run", "--source", str(video), "--uncalibrated", "--quiet")
    no_traceback(res.stderr)
    assert res.returncode == 0, res.stderr
    assert "unreadable frames skipped" in res.stdout and "end of video" in res.stdout
    assert not (home / "data").exists()  # not written into the user's posture log
    junk = tmp_path / "random.jpg"
    junk.write_bytes(os.urandom(3000))
    res = cli(home, "run", "--source", str(junk), "--uncalibrated", "--quiet")
    no_traceback(res.stderr)
    assert res.returncode == 2 and "nothing readable" in res.stderr


def test_nan_infinity_and_backwards_frames_are_dropped(home: Path, tmp_path: Path) -> None:
    lines = REC.read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    out = []
    n = 0
    for i, line in enumerate(lines):
        if i % 50 == 25 and '"landmarks":{' in line:
            n += 1
            rec = json.loads(line)
            rec["landmarks"]["nose"][0] = float("nan")
            out.append(json.dumps(rec))
            rec["landmarks"]["nose"][0] = 1e308
            rec["t"] += 0.01
            out.append(json.dumps(rec))
            out.append(json.dumps({**rec, "t": float("inf")}))
            out.append(json.dumps({**rec, "t": rec["t"] - 30}))
            out.append(json.dumps({**rec, "size": [0, 0]}))
        else:
            out.append(line)
    bad.write_text("\n".join(out) + "\n")
    db = tmp_path / "log.sqlite3"
    res = cli(home, "replay", str(bad), "--profile-file", str(PROFILE), "--db", str(db), "--quiet")
    no_traceback(res.stderr)
    assert res.returncode == 0, res.stderr
    assert n >= 5
    for count, why in (
        (n, "non-finite landmark values"),
        (n, "absurd landmark coordinates"),
        (n, "time not finite"),
        (n, "time going backwards"),
        (n, "absurd image size"),
    ):
        assert f"{count} {why}" in res.stdout
    rows = query(db, "SELECT start, end, mean_dev, max_dev FROM spans")
    assert rows and all(abs(v) < 1e11 for r in rows for v in r if v is not None)
    assert query(
        db, "SELECT COUNT(*) FROM spans WHERE state IN ('upright', 'slumped') AND mean_dev IS NULL"
    ) == [(0,)]
    t0 = query(db, "SELECT start FROM sessions")[0][0]
    assert covered_s(db, t0) == pytest.approx(259.5)
    export = cli(home, "export", "spans", "--format", "json", "--db", str(db))
    assert export.returncode == 0

    def refuse(name: str) -> None:
        raise ValueError(name)

    json.loads(export.stdout, parse_constant=refuse)  # valid JSON: no NaN or Infinity
