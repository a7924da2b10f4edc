"""CPU seconds per monitored hour at default settings, paced in real time like a camera.

A paced source hands the monitor 640x480 JPEG frames made from real photos (../shared/frames,
session B) at the rate the monitor asks for (0.4/s steady, 1/s near the threshold or while a change
is timed, 0.2/s while nobody is there); frames between samples are never decoded, as with the
webcam source. CPU time of this process (JPEG decode + motion gate + pose + scoring + state machine
+ SQLite log) is scaled to an hour. Camera driver cost outside the process is not included.

A still person is one photo repeated with sensor noise (Gaussian, sigma 2.5 grey levels) and a
random shift of up to 2 pixels per frame; "moving" cycles through different photos every frame.

    python benchmarks/cpu_per_hour.py [--seconds 60] [--scenario NAME] [--compare]

``--compare`` runs the gated pipeline (the default, ``motion_threshold`` > 0) and the ungated one in
the same run, alternating ``--chunk`` seconds of each so that other load hits both alike, and prints
the ratio per scenario: on a shared machine the ratio is the figure to trust, not the absolute one.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from slumpwatch.app import (
    build_monitor,
    build_notifier,
    monitoring_log,
    motion_gate,
    pose_estimator,
    pose_for,
)
from slumpwatch.calibration import Profile
from slumpwatch.config import Config
from slumpwatch.pipeline import detect
from slumpwatch.pose import MediaPipePoseEstimator
from slumpwatch.scoring import build_baseline

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "frames"
VARIANTS = 16  # noisy, shifted copies of a still photo, cycled


def jitter(img: np.ndarray, rng: np.random.Generator, sigma: float = 2.5, shift: int = 2) -> np.ndarray:
    """The photo as a camera sees a still scene: sensor noise and a pixel or two of shift."""
    dx, dy = rng.integers(-shift, shift + 1, 2)
    h, w = img.shape[:2]
    moved = cv2.warpAffine(img, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h), borderMode=cv2.BORDER_REPLICATE)
    return np.clip(moved + rng.normal(0, sigma, moved.shape), 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", img)[1].tobytes()


def load() -> tuple[dict[str, list[bytes]], list[np.ndarray]]:
    """Frame pools by kind (JPEG bytes, as a camera delivers them) and the upright photos."""
    rows = list(csv.DictReader((SHARED / "labels.csv").read_text().splitlines()))
    photos: dict[str, list[np.ndarray]] = {"upright": [], "slumped": []}
    for r in rows:
        if r["session"] == "B" and r["label"] in photos:
            photos[r["label"]].append(cv2.resize(cv2.imread(str(SHARED / r["file"])), (640, 480)))
    rng = np.random.default_rng(0)
    empty = np.clip(rng.normal(110, 20, (480, 640, 3)), 0, 255).astype(np.uint8)
    pools = {
        "upright": [jpeg(jitter(photos["upright"][0], rng)) for _ in range(VARIANTS)],
        "slumped": [jpeg(jitter(photos["slumped"][0], rng)) for _ in range(VARIANTS)],
        "moving": [jpeg(p) for p in photos["upright"] + photos["slumped"]],
        "empty": [jpeg(jitter(empty, rng)) for _ in range(VARIANTS)],
    }
    return pools, photos["upright"]


Script = Callable[[float], str]  # seconds since the start -> kind of frame


def moving(t: float) -> str:
    return "moving"


SCENARIOS: dict[str, tuple[Script, float | None]] = {
    "steady": (lambda t: "upright", None),  # a still person, upright
    "slumping": (lambda t: "slumped" if (t % 40) > 28 else "upright", None),  # now and then
    "moving": (moving, None),  # a different photo every frame
    "empty": (lambda t: "empty", None),
    "interval": (lambda t: "upright", 30.0),  # steady, --interval 30s
}


@dataclass
class Runner:
    """One pipeline (gated or not) that can be run in slices, so two can take turns."""

    pools: dict[str, list[bytes]]
    est: MediaPipePoseEstimator
    profile: Profile
    script: Script
    gated: bool
    interval: float | None = None
    burst: float = 3.0

    def __post_init__(self) -> None:
        cfg = Config() if self.gated else Config(motion_threshold=0.0)
        self.stack = ExitStack()
        tmp = self.stack.enter_context(tempfile.TemporaryDirectory())
        store = self.stack.enter_context(monitoring_log(str(Path(tmp) / "log.sqlite3")))
        notifier = build_notifier(cfg, collect=[], console=io.StringIO())
        self.mon = build_monitor(cfg, self.profile, store, notifier)
        self.gate = motion_gate(cfg)
        self.start = time.time()
        self.mon.start(self.start)
        self.elapsed = 0.0  # seconds this pipeline has run
        self.cpu = 0.0
        self.n = 0
        self.next_t = 0.0

    def run_for(self, seconds: float) -> None:
        began, cpu0 = time.time(), time.process_time()
        end = self.elapsed + seconds
        while (t := self.elapsed + time.time() - began) < end:
            if self.interval and (t % self.interval) > self.burst:
                time.sleep(min(self.interval - (t % self.interval), end - t) + 1e-3)  # camera closed
                continue
            if t < self.next_t:
                time.sleep(min(self.next_t, end) - t)
                continue
            pool = self.pools[self.script(t)]
            frame = cv2.imdecode(np.frombuffer(pool[self.n % len(pool)], np.uint8), cv2.IMREAD_COLOR)
            self.mon.process(self.start + t, pose_for(self.mon, self.est, frame, t, self.gate))
            self.n += 1
            self.next_t = t + 1.0 / self.mon.suggested_fps()
        self.elapsed = end
        self.cpu += time.process_time() - cpu0

    def close(self) -> float:
        """Stops the monitor; CPU seconds per hour."""
        cpu0 = time.process_time()
        self.mon.stop(self.start + self.elapsed)
        self.cpu += time.process_time() - cpu0
        self.stack.close()
        return self.cpu * 3600 / self.elapsed


def calibrate(est: MediaPipePoseEstimator, upright: list[np.ndarray]) -> Profile:
    samples = [s for s in (detect(est, f, i * 0.1)[0] for i, f in enumerate(upright)) if s is not None]
    return Profile("bench", "now", build_baseline(samples))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="wall seconds per scenario (and variant)")
    ap.add_argument("--scenario", choices=list(SCENARIOS), action="append", help="default: all")
    ap.add_argument("--compare", action="store_true", help="gated and ungated in one run, and their ratio")
    ap.add_argument("--chunk", type=float, default=10.0, help="seconds per turn with --compare")
    args = ap.parse_args()
    pools, upright = load()
    names = args.scenario or list(SCENARIOS)
    with pose_estimator() as est_a, pose_estimator() as est_b:
        profile = calibrate(est_a, upright)
        calibrate(est_b, upright)  # the same warm-up for both models
        head = f"{'CPU s/hour':>10s} {'% of a core':>11s} {'frames':>7s} {'reused':>7s}"
        print(f"{'scenario':10s} {'pipeline':8s} {head}")
        for name in names:
            script, interval = SCENARIOS[name]
            runners = [Runner(pools, est_a, profile, script, True, interval)]
            if args.compare:
                runners.append(Runner(pools, est_b, profile, script, False, interval))
            done = 0.0
            while done < args.seconds:
                step = min(args.chunk if args.compare else args.seconds, args.seconds - done)
                for r in runners if int(done / args.chunk) % 2 == 0 else runners[::-1]:
                    r.run_for(step)
                done += step
            cost = [r.close() for r in runners]
            for r, c in zip(runners, cost, strict=True):
                label = "gated" if r.gated else "ungated"
                print(f"{name:10s} {label:8s} {c:10.1f} {c / 36:10.2f}% {r.n:7d} {r.mon.reused:7d}")
            if args.compare:
                print(f"{name:10s} {'ratio':8s} {cost[0] / cost[1]:10.2f}  (gated / ungated, same run)")
    print("targets: steady gated <= 36 CPU-s/hour (1% of a core); gated/ungated <= 0.5 steady, 0.7 slumping")


if __name__ == "__main__":
    main()
