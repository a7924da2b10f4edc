"""CPU seconds per monitored hour at default settings, paced in real time like a camera.

A paced source hands the monitor 640x480 JPEG frames (real photos from ../shared/frames) at the
rate the monitor asks for (1/s steady, 3/s near the threshold, 0.5/s while nobody is there); frames
between samples are never decoded, as with the webcam source. Each scenario runs for --seconds of
wall time; CPU time of this process (decode + pose + scoring + state machine + SQLite log) is
scaled to an hour. Camera driver cost outside the process is not included.

    python benchmarks/cpu_per_hour.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from slumpwatch.app import build_monitor, build_notifier, monitoring_log, pose_estimator
from slumpwatch.calibration import Profile
from slumpwatch.config import Config
from slumpwatch.pipeline import detect
from slumpwatch.pose import MediaPipePoseEstimator
from slumpwatch.scoring import build_baseline

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "frames"


def load() -> dict[str, list[bytes]]:
    rows = list(csv.DictReader((SHARED / "labels.csv").read_text().splitlines()))
    out: dict[str, list[bytes]] = {"upright": [], "slumped": []}
    for r in rows:
        if r["session"] == "B" and r["label"] in out:
            img = cv2.resize(cv2.imread(str(SHARED / r["file"])), (640, 480))
            out[r["label"]].append(cv2.imencode(".jpg", img)[1].tobytes())
    rng = np.random.default_rng(0)
    empty = np.clip(rng.normal(110, 20, (480, 640, 3)), 0, 255).astype(np.uint8)
    out["empty"] = [cv2.imencode(".jpg", empty)[1].tobytes()]
    return out


def run(
    frames: dict[str, list[bytes]],
    est: MediaPipePoseEstimator,
    profile: Profile,
    seconds: float,
    script: Callable[[float], str],
    interval: float | None = None,
    burst: float = 3.0,
) -> tuple[float, int]:
    cfg = Config()
    with tempfile.TemporaryDirectory() as tmp, monitoring_log(str(Path(tmp) / "log.sqlite3")) as store:
        mon = build_monitor(cfg, profile, store, build_notifier(cfg, collect=[], console=io.StringIO()))
        start = time.time()
        mon.start(start)
        cpu0 = time.process_time()
        n = 0
        next_t = 0.0
        while (t := time.time() - start) < seconds:
            if interval and (t % interval) > burst:
                time.sleep(min(interval - (t % interval), seconds - t) + 1e-3)  # camera closed
                continue
            if t < next_t:
                time.sleep(next_t - t)
                continue
            kind = script(t)
            pool = frames[kind]
            frame = cv2.imdecode(np.frombuffer(pool[n % len(pool)], np.uint8), cv2.IMREAD_COLOR)
            sample, _ = detect(est, frame, t, mon.reference)
            mon.process(start + t, sample)
            n += 1
            next_t = t + 1.0 / mon.suggested_fps()
        mon.stop(time.time())
        cpu = time.process_time() - cpu0
    return cpu * 3600 / seconds, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    frames = load()
    with pose_estimator() as est:
        ups = [cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR) for j in frames["upright"]]
        samples = [s for s in (detect(est, f, i * 0.1)[0] for i, f in enumerate(ups)) if s is not None]
        profile = Profile("bench", "now", build_baseline(samples))
        s = args.seconds
        scenarios: list[tuple[str, Callable[[float], str], float | None]] = [
            ("steady upright", lambda t: "upright", None),
            ("slumping now and then", lambda t: "slumped" if (t % 40) > 28 else "upright", None),
            ("empty chair", lambda t: "empty", None),
            ("steady upright, --interval 30s", lambda t: "upright", 30.0),
        ]
        print(f"{'scenario':34s} {'CPU s/hour':>10s} {'% of a core':>11s} {'frames':>7s}")
        for name, script, interval in scenarios:
            cpu_h, n = run(frames, est, profile, s, script, interval)
            print(f"{name:34s} {cpu_h:10.1f} {cpu_h / 36:10.2f}% {n:7d}")
    print("target at default settings: under 72 CPU-seconds per hour (2% of one core)")


if __name__ == "__main__":
    main()
