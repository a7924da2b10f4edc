"""Makes the landmark recordings in sample_frames/ from the real photos in ../shared/frames.

Only numbers leave this script: the pose model runs on each photo once, and the landmarks are laid
out on a timeline (a calibration stretch of upright, slumps, returns, an away gap) at 2 frames per
second. The photos themselves are never copied. Run from the project root:

    python tools/make_sample_recordings.py [--shared ../shared/frames]
    slumpwatch calibrate --source sample_frames/front_desk.jsonl --seconds 20 --profile front_desk \
        --output calibration/front_desk.json     # likewise side_desk
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

import cv2

from slumpwatch.pipeline import detect
from slumpwatch.pose import MediaPipePoseEstimator
from slumpwatch.recording import RecordingWriter

ROOT = Path(__file__).resolve().parent.parent
FPS = 2.0

# (label, seconds): the story each recording tells.
FRONT_TIMELINE = [
    ("upright", 40),
    ("slumped", 60),
    ("upright", 40),
    (None, 30),
    ("upright", 20),
    ("slumped", 45),
    ("upright", 25),
]
SIDE_TIMELINE = [
    ("upright", 30),
    ("slumped", 50),
    ("upright", 30),
    ("reclined", 40),
    (None, 20),
    ("slumped", 40),
    ("upright", 20),
]


def landmarks_by_label(shared: Path, keep: callable) -> dict[str, list]:  # type: ignore[valid-type]
    rows = [r for r in csv.DictReader((shared / "labels.csv").read_text().splitlines()) if keep(r)]
    out: dict[str, list] = {}
    with MediaPipePoseEstimator() as est:
        for r in rows:
            sample, _ = detect(est, cv2.imread(str(shared / r["file"])), 0.0)
            if sample is not None:
                out.setdefault(r["label"], []).append(sample)
    return out


def write(path: Path, timeline: list, by_label: dict[str, list], source: str, view: str) -> None:
    cycles = {k: itertools.cycle(v) for k, v in by_label.items()}
    t = 0.0
    with path.open("w", encoding="utf-8") as f:
        w = RecordingWriter(f, model="pose_landmarker_full.task", source=source)
        for label, seconds in timeline:
            for _ in range(int(seconds * FPS)):
                sample = next(cycles[label]) if label else None
                w.write(t, sample, label or "away", subject="sample", session=path.stem, view=view)
                t += 1.0 / FPS
    print(f"wrote {path} ({t:.0f} s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "frames")
    args = ap.parse_args()
    front = landmarks_by_label(args.shared, lambda r: r["view"] == "front" and r["session"] == "B")
    write(
        ROOT / "sample_frames" / "front_desk.jsonl",
        FRONT_TIMELINE,
        front,
        "shared/frames front session B",
        "front",
    )
    side = landmarks_by_label(args.shared, lambda r: r["view"] == "side")
    write(
        ROOT / "sample_frames" / "side_desk.jsonl", SIDE_TIMELINE, side, "shared/frames side photos", "side"
    )


if __name__ == "__main__":
    main()
