"""The motion gate: still frames reuse the last pose, movement, age and slow drift run the model."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from slumpwatch import app
from slumpwatch.config import Config
from slumpwatch.landmarks import PoseSample
from slumpwatch.monitor import Monitor
from slumpwatch.motion import MAX_AGE_S, THRESHOLD, URGENT_AGE_S, MotionGate, difference, thumbnail
from slumpwatch.notify.routes import ConsoleRoute, Notifier
from slumpwatch.pipeline import Detected, detect

from .conftest import front_pose


class CountingEstimator:
    """A fake pose model: the same person every time, and the frames it was shown."""

    model_name = "fake"

    def __init__(self) -> None:
        self.seen: list[float] = []

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> list[PoseSample]:
        self.seen.append(timestamp_s)
        return [front_pose()]

    def close(self) -> None:
        pass


def flat(level: float) -> np.ndarray:
    return np.full((24, 32), level, np.float32)


# ---------------------------------------------------------------- the gate alone
def test_first_frame_runs_then_a_still_one_is_reused() -> None:
    gate: MotionGate[str] = MotionGate()
    assert gate.reuse(0.0, flat(100)) is None
    gate.saw(0.0, flat(100), "pose")
    assert gate.reuse(2.5, flat(100 + THRESHOLD * 0.9)) == "pose"
    assert gate.last_reused and gate.reused == 1 and gate.ran == 1


def test_movement_over_the_threshold_runs_the_model() -> None:
    gate: MotionGate[str] = MotionGate()
    gate.saw(0.0, flat(100), "pose")
    assert gate.reuse(2.5, flat(100 + THRESHOLD)) is None
    assert gate.last_difference == pytest.approx(THRESHOLD)
    assert not gate.last_reused


def test_the_model_runs_at_the_maximum_age_whatever_the_picture() -> None:
    gate: MotionGate[str] = MotionGate()
    gate.saw(0.0, flat(100), "pose")
    assert gate.reuse(MAX_AGE_S - 0.1, flat(100)) == "pose"
    assert gate.reuse(MAX_AGE_S, flat(100)) is None
    assert gate.reuse(-1.0, flat(100)) is None  # time going backwards: never trust the old result


def test_an_urgent_gate_runs_the_model_sooner() -> None:
    gate: MotionGate[str] = MotionGate()
    gate.saw(0.0, flat(100), "pose")
    gate.urgent = True
    assert gate.reuse(URGENT_AGE_S - 0.1, flat(100)) == "pose"
    assert gate.reuse(URGENT_AGE_S, flat(100)) is None
    gate.urgent = False
    assert gate.reuse(URGENT_AGE_S, flat(100)) == "pose"


def test_slow_drift_adds_up_against_the_last_frame_the_model_saw() -> None:
    """Each step is far under the threshold; the sum crosses it well before the maximum age."""
    gate: MotionGate[str] = MotionGate(max_age_s=1e9, urgent_age_s=1e9)
    step = THRESHOLD / 10
    ran = []
    for i in range(40):
        thumb = flat(100 + i * step)
        if gate.reuse(float(i), thumb) is None:
            gate.saw(float(i), thumb, f"pose {i}")
            ran.append(i)
    assert ran == [0, 10, 20, 30]


def test_after_movement_the_model_looks_again_every_few_seconds_until_the_picture_settles() -> None:
    """A posture in transition keeps changing by less than the threshold after the movement that
    was seen (a slow slump's last part): the urgent age applies until the picture has been still
    for the maximum age, then the long age again."""
    gate: MotionGate[str] = MotionGate()
    ran = []
    for i in range(60):
        t = float(i)
        level = 100 if t < 10 else 100 + THRESHOLD  # one movement at t=10, then still
        if gate.reuse(t, flat(level)) is None:
            gate.saw(t, flat(level), f"pose {i}")
            ran.append(i)
    settled = list(range(10, 10 + int(MAX_AGE_S), int(URGENT_AGE_S)))
    assert ran[: 1 + len(settled)] == [0, *settled]
    # Still for the maximum age: back to one run per maximum age.
    later = ran[1 + len(settled) :]
    assert later and all(b - a >= MAX_AGE_S for a, b in itertools.pairwise([settled[-1], *later]))


def test_zero_threshold_or_age_never_reuses() -> None:
    for gate in (MotionGate[str](threshold=0.0), MotionGate[str](max_age_s=0.0)):
        gate.saw(0.0, flat(100), "pose")
        assert gate.reuse(0.0, flat(100)) is None
    assert app.motion_gate(Config(motion_threshold=0.0)) is None
    assert app.motion_gate(Config()) is not None


# ---------------------------------------------------------------- wired into detect and drive
def test_detect_with_a_gate_skips_the_model_for_still_frames() -> None:
    est = CountingEstimator()
    gate: MotionGate[Detected] = MotionGate()
    frame = np.full((480, 640, 3), 120, np.uint8)
    black = np.zeros((480, 640, 3), np.uint8)
    results = [detect(est, f, t, gate=gate) for t, f in [(0, frame), (2.5, frame), (5, black), (7.5, frame)]]
    assert est.seen == [0]
    assert results[1] == results[0] and results[3] == results[0]
    assert results[2] == (None, "camera covered or frame black")
    assert gate.reused == 2


def test_drive_counts_reused_samples_in_the_monitor() -> None:
    est = CountingEstimator()
    mon = Monitor(None, None, Notifier([ConsoleRoute(io.StringIO())]), on_message=lambda m: None)
    frame = np.full((480, 640, 3), 120, np.uint8)
    frames: Iterator[tuple[float, np.ndarray]] = ((1000.0 + 2.5 * i, frame) for i in range(13))
    gate = app.motion_gate(Config())
    assert app.drive(mon, est, frames, app.Stopper(), gate=gate) == 13
    assert est.seen == [0.0, 15.0, 30.0]  # the maximum age
    assert mon.reused == 10 and mon.processed == 13


@pytest.mark.parametrize(
    ("head_drop", "runs"), [(0.05, [0.0, 15.0]), (0.11, [0.0, 3.0, 6.0, 9.0, 12.0, 15.0])]
)
def test_from_half_the_threshold_on_the_model_runs_every_few_seconds(
    head_drop: float, runs: list[float]
) -> None:
    """A still person half-way to a slump (index 0.53) is looked at every 3 s, an upright one every 15 s."""
    from slumpwatch.calibration import Profile
    from slumpwatch.scoring import build_baseline

    class Leaning(CountingEstimator):
        def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> list[PoseSample]:
            self.seen.append(timestamp_s)
            return [front_pose(head_drop=head_drop)]

    profile = Profile("still", "now", build_baseline([front_pose() for _ in range(20)]))
    notifier = Notifier([ConsoleRoute(io.StringIO())])
    mon = Monitor(profile, None, notifier, on_message=lambda m: None)
    gate = app.motion_gate(Config())
    est = Leaning()
    frame = np.full((480, 640, 3), 120, np.uint8)
    mon.start(1000.0)
    for i in range(31):  # a sample every 0.5 s for 15 s
        mon.process(1000.0 + i / 2, app.pose_for(mon, est, frame, i / 2, gate))
    assert est.seen == runs


# ---------------------------------------------------------------- the threshold on real photos
def _photos(shared: Path) -> list[tuple[dict[str, str], np.ndarray]]:
    out = []
    for r in csv.DictReader((shared / "labels.csv").read_text().splitlines()):
        img = cv2.imread(str(shared / r["file"])) if r["view"] in ("front", "side") else None
        if img is not None:
            out.append((r, cv2.resize(img, (640, 480))))  # as a webcam delivers them
    return out


def _jitter(img: np.ndarray, rng: np.random.Generator, shift: int, sigma: float = 3.0) -> np.ndarray:
    dx, dy = rng.integers(-shift, shift + 1, 2)
    moved = cv2.warpAffine(
        img, np.float32([[1, 0, dx], [0, 1, dy]]), (640, 480), borderMode=cv2.BORDER_REPLICATE
    )
    return np.clip(moved + rng.normal(0, sigma, moved.shape), 0, 255).astype(np.uint8)


def test_sensor_noise_and_a_small_shift_stay_under_the_threshold(shared_frames: Path) -> None:
    rng = np.random.default_rng(15)
    worst = 0.0
    for _, img in _photos(shared_frames):
        ref = thumbnail(_jitter(img, rng, 0))
        for _ in range(3):
            worst = max(worst, difference(ref, thumbnail(_jitter(img, rng, 2))))
    assert worst < THRESHOLD * 0.8, worst


def test_every_real_posture_change_exceeds_the_threshold(shared_frames: Path) -> None:
    photos = _photos(shared_frames)
    changes = [
        difference(thumbnail(a), thumbnail(b))
        for (ra, a), (rb, b) in itertools.combinations(photos, 2)
        if (ra["subject"], ra["session"]) == (rb["subject"], rb["session"])
        and {ra["label"], rb["label"]} == {"upright", "slumped"}
    ]
    assert len(changes) > 500
    assert min(changes) > THRESHOLD * 1.3, min(changes)


def test_a_slow_slump_on_real_photos_reaches_the_model(shared_frames: Path) -> None:
    """Session B (the subtle one): an upright photo fades into a slumped one over 2 minutes, sampled
    every 2.5 s with sensor noise; the model must see the change before the maximum age would force it."""
    photos = [(r, img) for r, img in _photos(shared_frames) if r["session"] == "B" and r["view"] == "front"]
    upright = next(img for r, img in photos if r["label"] == "upright").astype(np.float32)
    slumped = next(img for r, img in photos if r["label"] == "slumped").astype(np.float32)
    rng = np.random.default_rng(3)
    est = CountingEstimator()
    # Only the accumulated change can trigger it (no age, and no closer look after movement).
    gate: MotionGate[Detected] = MotionGate(max_age_s=1e9, urgent_age_s=1e9)
    steps = 48
    for i in range(steps + 1):
        a = i / steps
        frame = np.clip((1 - a) * upright + a * slumped + rng.normal(0, 3, upright.shape), 0, 255)
        detect(est, frame.astype(np.uint8), 2.5 * i, gate=gate)
        assert gate.last_difference is None or gate.last_reused == (gate.last_difference < THRESHOLD)
    assert len(est.seen) >= 2  # the drift crossed the threshold
    assert est.seen[-1] >= 2.5 * steps / 2  # and the model saw the second half of the slump


def test_no_reuse_while_the_upright_posture_is_learned() -> None:
    from slumpwatch.learn import BaselineLearner

    est = CountingEstimator()
    notifier = Notifier([ConsoleRoute(io.StringIO())])
    mon = Monitor(None, None, notifier, on_message=lambda m: None, learner=BaselineLearner())
    frame = np.full((480, 640, 3), 120, np.uint8)
    frames: Iterator[tuple[float, np.ndarray]] = ((1000.0 + i, frame) for i in range(10))
    app.drive(mon, est, frames, app.Stopper(), gate=app.motion_gate(Config()))
    assert len(est.seen) == 10 and mon.reused == 0


# ---------------------------------------------------------------- analyze says which frames were reused
def test_analyze_motion_gate_marks_reused_video_frames_and_never_images(
    shared_frames: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from slumpwatch.cli import main

    gif = shared_frames / "video" / "side_slump_then_upright.gif"
    side = sorted((shared_frames / "side").glob("*.jpg"))[:2]
    assert main(["analyze", str(gif), *map(str, side), "--motion-gate", "--json"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    images = [r for r in rows if r["file"] != str(gif)]
    video = [r for r in rows if r["file"] == str(gif)]
    assert len(images) == 2 and not any(r["reused"] for r in images)
    assert len(video) == 58 and 0 < sum(r["reused"] for r in video) < 58
    assert main(["analyze", str(side[0]), "--json"]) == 0
    assert "reused" not in json.loads(capsys.readouterr().out)
