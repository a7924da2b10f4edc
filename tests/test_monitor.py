from __future__ import annotations

import csv
import io
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from slumpwatch import app
from slumpwatch.calibration import Profile
from slumpwatch.cli import main
from slumpwatch.errors import CameraError
from slumpwatch.monitor import Monitor, camera_frames
from slumpwatch.notify.routes import ConsoleRoute, FunctionRoute, Notifier
from slumpwatch.pipeline import choose_person
from slumpwatch.scoring import build_baseline
from slumpwatch.state import Timing
from slumpwatch.store import Store

from .conftest import ROOT, front_pose


@pytest.fixture
def memory_store() -> Iterator[Store]:
    with Store(":memory:") as store:
        yield store


def _collecting_notifier(sent: list[tuple[str, str]]) -> Notifier:
    return Notifier([FunctionRoute("fake", lambda t, b, s: sent.append((t, b))), ConsoleRoute(io.StringIO())])


@pytest.fixture
def posture_video(shared_frames: Path, tmp_path: Path) -> Path:
    import cv2

    rows = list(csv.DictReader((shared_frames / "labels.csv").read_text().splitlines()))
    b = [r for r in rows if r["session"] == "B"]
    ups = [cv2.imread(str(shared_frames / r["file"])) for r in b if r["label"] == "upright"]
    slumps = [cv2.imread(str(shared_frames / r["file"])) for r in b if r["label"] == "slumped"]
    empty = np.full_like(ups[0], 128)
    path = tmp_path / "day.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 2.0, (224, 224))
    for frames, seconds in ((ups, 40), (slumps, 60), ([empty], 30)):
        for i in range(seconds * 2):
            writer.write(frames[i % len(frames)])
    writer.release()
    return path


def test_run_on_real_frames_video(
    posture_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "p.json"
    assert (
        main(
            [
                "calibrate",
                "--source",
                str(posture_video),
                "--seconds",
                "20",
                "--fps",
                "2",
                "--output",
                str(profile),
                "--quiet",
            ]
        )
        == 0
    )
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "build_notifier", lambda cfg, collect=None: _collecting_notifier(sent))
    db = tmp_path / "log.sqlite3"
    assert (
        main(
            [
                "run",
                "--source",
                str(posture_video),
                "--profile-file",
                str(profile),
                "--db",
                str(db),
                "--quiet",
            ]
        )
        == 0
    )
    assert len(sent) == 1 and sent[0][0] == "Sit back in your chair"
    with Store(db) as s:
        start = s.db.execute("SELECT start FROM sessions").fetchone()[0]
        spans = [(sp.state, sp.start - start, sp.end - start) for sp in s.spans(0, 1e12)]
        alerts = s.alerts(0, 1e12)
    states = [x[0] for x in spans]
    assert states[:3] == ["upright", "slumped", "away"]
    for (state, a, b), (ea, eb) in zip(spans[:3], [(0, 40), (40, 100), (100, 129)], strict=True):
        # Within one sampling interval at the steady rate (2.5 s).
        assert abs(a - ea) <= 2.5 and abs(b - eb) <= 2.5, (state, a, b)
    slump_start = start + spans[1][1]
    assert all(slump_start <= al.t <= start + spans[1][2] for al in alerts)  # no warning while away


class ScriptedSource:
    """A camera whose script says, per tick, 'frame', 'black', 'error' or 'lost'."""

    def __init__(self, script: list[str], clock: list[float]) -> None:
        self.script, self.clock, self.fps = script, clock, 1.0

    def frames(self):  # type: ignore[no-untyped-def]
        while self.script:
            kind = self.script.pop(0)
            self.clock[0] += 1.0
            if kind == "lost":
                raise CameraError("camera 0 stopped delivering frames")
            yield self.clock[0], kind

    def close(self) -> None:
        pass


def _monitor(store: Store, sent: list[tuple[str, str]], calibrated: bool = True) -> Monitor:
    profile = None
    if calibrated:
        b = build_baseline([front_pose(head_drop=d) for d in (-0.01, 0, 0.01)])
        profile = Profile("t", "now", b)
    return Monitor(profile, store, _collecting_notifier(sent), timing=Timing(onset_s=20))


def test_camera_lost_then_back_black_frames_two_people_and_gap(memory_store: Store) -> None:
    sent: list[tuple[str, str]] = []
    store = memory_store
    mon = _monitor(store, sent)
    clock = [1000.0]
    scripts = [
        ["frame"] * 10 + ["lost"],
        ["lost"],
        ["lost"],
        ["frame"] * 5 + ["black"] * 10 + ["frame"] * 5 + ["end"],
    ]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    def open_source() -> ScriptedSource:
        if not scripts:
            raise CameraError("gone")
        return ScriptedSource(scripts.pop(0), clock)

    mon.start(clock[0])
    people = [front_pose(), front_pose(head_drop=0.3, neck_ratio=0.4, shift_x=-250, width_px=150)]
    for t, kind in camera_frames(open_source, mon, clock=lambda: clock[0], sleep=sleep):
        if kind == "end":
            break
        if kind == "black":
            mon.process(t, None)
        else:
            # Two people: the one at the calibrated position counts, the slumped passer-by does not.
            sample, _ = choose_person([p for p in people], mon.reference or (0.5, 0.7))
            mon.process(t, sample)
    mon.process(clock[0] + 1800, front_pose())  # laptop asleep for 30 min
    mon.stop(clock[0] + 1805)
    spans = store.spans(0, 1e12)
    states = [s.state for s in spans]
    assert "paused" in states and "away" in states and "slumped" not in states
    assert sleeps == [1.0, 2.0, 4.0]  # back-off while the camera is gone
    assert sent == []
    paused = [s.end - s.start for s in spans if s.state == "paused"]
    assert paused[0] == pytest.approx(10.0, abs=1.0)  # camera lost for about 10 s, then back
    assert paused[-1] >= 1800  # laptop asleep
    # Spans tile the session without overlaps.
    assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(spans))


def test_sigterm_during_a_span_writes_it(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    rec = ROOT / "sample_frames" / "front_desk.jsonl"
    env = {**os.environ, "SLUMPWATCH_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "slumpwatch",
            "replay",
            str(rec),
            "--speed",
            "20",
            "--db",
            str(db),
            "--quiet",
            "--profile-file",
            str(ROOT / "calibration" / "front_desk.json"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    with Store(db) as s:
        spans = s.spans(0, 1e12)
        session_end = s.db.execute("SELECT end FROM sessions").fetchone()[0]
    assert spans and session_end is not None
    assert spans[-1].state == "paused" or abs(spans[-1].end - session_end) < 1e-6
    assert max(sp.end for sp in spans) <= session_end + 1e-6


def test_camera_mismatch_asks_to_recalibrate(memory_store: Store) -> None:
    sent: list[tuple[str, str]] = []
    messages: list[str] = []
    mon = _monitor(memory_store, sent)
    mon.on_message = messages.append
    for i in range(60):
        mon.process(1000.0 + i, front_pose(width_px=150, head_drop=0.4, neck_ratio=0.4))
    assert any(m.startswith("recalibrate?") for m in messages)
    assert mon.machine.state is not None and mon.machine.state.value == "uncalibrated"
    assert sent == []


def test_soak_eight_hours_memory_flat(memory_store: Store) -> None:
    import resource

    from slumpwatch.app import replay_into

    sent: list[tuple[str, str]] = []
    store = memory_store
    mon = _monitor(store, sent, calibrated=False)
    rec = ROOT / "sample_frames" / "side_desk.jsonl"
    t = 0.0
    rss = []
    while t < 8 * 3600:
        t = replay_into(mon, rec, 1_000_000.0 + t, 0.0) - 1_000_000.0 + 1.0
        rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    covered = sum(s.end - s.start for s in store.spans(0, 2e12))
    assert covered >= 8 * 3600 * 0.95
    assert rss[-1] - rss[2] < 20_000  # KiB: flat after warm-up


@pytest.mark.parametrize("every", [None, 20, 10])
def test_sample_replay_with_dropped_frames_still_finds_the_slumps(every: int | None) -> None:
    """Missed frames (``landmarks: null``) shorter than away_s do not restart the onset timer."""
    from slumpwatch.calibration import load_profile
    from slumpwatch.recording import read_recording

    profile = load_profile(ROOT / "calibration" / "front_desk.json")
    sent: list[tuple[str, str]] = []
    store = Store(":memory:")
    try:
        m = Monitor(profile, store, _collecting_notifier(sent))
        t0 = 1_700_000_000.0
        m.start(t0)
        frames = list(read_recording(ROOT / "sample_frames" / "front_desk.jsonl"))
        for i, fr in enumerate(frames):
            dropped = every is not None and i % every == every - 1
            m.process(t0 + fr.t, None if dropped else fr.sample)
        m.stop(t0 + frames[-1].t + 0.5)
        slumped = [s for s in store.spans(0, 2e9) if s.state == "slumped"]
        # The recording holds two slumps (60 s and 45 s): both are found, starting within 5 s of truth.
        starts = sorted(s.start - t0 for s in slumped)
        assert len(slumped) == 2, starts
        assert abs(starts[0] - 40.0) <= 5.0 and abs(starts[1] - 190.0) <= 5.0, starts
        assert sent, "no warning"
    finally:
        store.close()


def test_no_warning_while_a_recovery_is_being_timed() -> None:
    """Sitting back up during a slump episode: the recovery delay runs, and no warning goes out
    for a sample that is itself upright (it would say '-3 degrees forward')."""
    from slumpwatch.notify.policy import AlertPolicy, PolicyConfig

    sent: list[tuple[str, str]] = []
    store = Store(":memory:")
    try:
        b = build_baseline([front_pose(head_drop=d) for d in (-0.01, 0, 0.01)])
        policy = AlertPolicy(PolicyConfig(cooldown_s=1.0, escalate_after_s=1.0, daily_cap=1000))
        m = Monitor(
            Profile("t", "now", b), store, _collecting_notifier(sent), policy, timing=Timing(recover_s=30)
        )
        t0 = 1_700_000_000.0
        m.start(t0)
        for k in range(40):
            m.process(t0 + k, front_pose(head_drop=0.3, neck_ratio=0.4))
        assert sent
        before = len(sent)
        for k in range(40, 60):  # upright again, still inside the 30 s recovery delay
            m.process(t0 + k, front_pose())
        assert m.machine.state.value == "slumped" and len(sent) == before
    finally:
        store.close()
