"""Seconds from the start of a slump to the slumped state and to the warning, gated and ungated.

A video is built in a temporary directory (never kept) from two real photos of one sitting in
../shared/frames: the upright one until ``--slump-at`` seconds, then the slumped one, every frame
with sensor noise (sigma 2.5 grey levels) and a shift of up to 2 pixels, like a still person. It is
played through the same ``drive`` loop as ``slumpwatch run --source`` (adaptive sampling rate,
calibrated profile from the session's upright photos, default settings), once with the motion gate
and once without, for several slump times (the sampling phase moves); notifications are collected,
not sent.

    python benchmarks/detection_latency.py [--session B] [--trials 4] [--ramp 60]

``--ramp S`` makes the slump slow: the picture fades from the upright photo to the slumped one over S
seconds (a blend: the model sees one photo or the other, so its verdict flips at once, somewhere in
the fade), or with ``--sink PX`` the upright person sinks PX pixels down in the frame (the head drop
grows smoothly). Times are counted from the start of the ramp. ``--threshold`` and ``--max-age``
try other gate settings.

"Slumped" is the sample time at which the monitor enters the slumped state (the default onset is
20 s, so about 20 s is the floor); "warning" is the first warning's time.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from slumpwatch.app import Stopper, build_monitor, build_notifier, drive, frames_from_source, motion_gate
from slumpwatch.calibration import Profile
from slumpwatch.config import Config
from slumpwatch.monitor import Status
from slumpwatch.pipeline import detect
from slumpwatch.pose import MediaPipePoseEstimator
from slumpwatch.scoring import build_baseline
from slumpwatch.state import State

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "frames"
FPS = 5.0


def photos(session: str) -> dict[str, list[np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {"upright": [], "slumped": []}
    for r in csv.DictReader((SHARED / "labels.csv").read_text().splitlines()):
        if r["session"] == session and r["view"] == "front" and r["label"] in out:
            out[r["label"]].append(cv2.resize(cv2.imread(str(SHARED / r["file"])), (640, 480)))
    return out


def write_video(
    path: Path,
    upright: np.ndarray,
    slumped: np.ndarray,
    slump_at: float,
    length: float,
    ramp: float = 0.0,
    sink: float = 0.0,
) -> None:
    rng = np.random.default_rng(int(slump_at * 10))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (640, 480))
    up, down = upright.astype(np.float32), slumped.astype(np.float32)
    for i in range(int(length * FPS)):
        a = min(max((i / FPS - slump_at) / ramp, 0.0), 1.0) if ramp > 0 else float(i / FPS >= slump_at)
        img = up if sink else (1 - a) * up + a * down
        dx, dy = rng.integers(-2, 3, 2)
        moved = cv2.warpAffine(
            img, np.float32([[1, 0, dx], [0, 1, dy + a * sink]]), (640, 480), borderMode=cv2.BORDER_REPLICATE
        )
        writer.write(np.clip(moved + rng.normal(0, 2.5, moved.shape), 0, 255).astype(np.uint8))
    writer.release()


def latency(video: Path, profile: Profile, cfg: Config, slump_at: float) -> tuple[float, float, int, int]:
    """(seconds to the slumped state, seconds to the warning, samples, samples reused)."""
    first: list[float] = []

    def on_status(s: Status) -> None:
        if s.state is State.SLUMPED and not first and s.t is not None:
            first.append(s.t)

    notifier = build_notifier(cfg, collect=[], console=io.StringIO())
    monitor = build_monitor(cfg, profile, None, notifier, str(video), on_status, lambda m: None)
    stopper = Stopper()
    frames, _, _ = frames_from_source(str(video), cfg, monitor, stopper)
    start: list[float] = []

    def tagged() -> Iterator[tuple[float, np.ndarray]]:
        for t, f in frames:
            if not start:
                start.append(t)
            yield t, f

    with MediaPipePoseEstimator(video=True) as est:
        drive(monitor, est, tagged(), stopper, gate=motion_gate(cfg))
    t0 = start[0] + slump_at
    slumped = first[0] - t0 if first else float("nan")
    warned = monitor.sent[0].t - t0 if monitor.sent else float("nan")
    return slumped, warned, monitor.processed, monitor.reused


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--session", default="B", help="A (clear slump) or B (subtle)")
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--slump-at", type=float, default=60.0)
    ap.add_argument("--after", type=float, default=60.0, help="seconds of video after the slump starts")
    ap.add_argument(
        "--ramp", type=float, default=0.0, help="a slow slump: the picture fades over this many seconds"
    )
    ap.add_argument(
        "--sink",
        type=float,
        default=0.0,
        help="with --ramp: the upright person sinks PX pixels instead",
    )
    ap.add_argument("--threshold", type=float, default=Config.motion_threshold, help="gate threshold")
    ap.add_argument("--max-age", type=float, default=Config.motion_max_age_s, help="gate maximum age (s)")
    args = ap.parse_args()
    pics = photos(args.session)
    with MediaPipePoseEstimator(video=False) as est:
        samples = [s for s in (detect(est, f, 0.0)[0] for f in pics["upright"]) if s is not None]
    profile = Profile("bench", "now", build_baseline(samples))
    results: dict[bool, list[tuple[float, float, int, int]]] = {True: [], False: []}
    print(
        f"{'slump at':>8s} {'pipeline':8s} {'slumped s':>9s} {'warning s':>9s} {'samples':>7s} {'reused':>6s}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.trials):
            slump_at = args.slump_at + k * 1.37  # moves the sampling phase
            video = Path(tmp) / f"slump_{k}.avi"
            end = slump_at + args.after + args.ramp
            write_video(video, pics["upright"][0], pics["slumped"][0], slump_at, end, args.ramp, args.sink)
            for gated in (True, False) if k % 2 == 0 else (False, True):
                began = time.perf_counter()
                cfg = Config(motion_threshold=args.threshold if gated else 0.0, motion_max_age_s=args.max_age)
                r = latency(video, profile, cfg, slump_at)
                results[gated].append(r)
                label = "gated" if gated else "ungated"
                print(
                    f"{slump_at:8.2f} {label:8s} {r[0]:9.1f} {r[1]:9.1f} {r[2]:7d} {r[3]:6d}"
                    f"   ({time.perf_counter() - began:.1f} s wall)"
                )
    for what, i in (("slumped state", 0), ("warning", 1)):
        g = statistics.mean(r[i] for r in results[True])
        u = statistics.mean(r[i] for r in results[False])
        print(f"mean seconds to the {what}: gated {g:.1f}, ungated {u:.1f}, difference {g - u:+.1f}")
    print("target: gated within 3 s of ungated")


if __name__ == "__main__":
    main()
