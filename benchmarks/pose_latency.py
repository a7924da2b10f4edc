"""Median milliseconds per frame: slumpwatch's decode + pose + geometry vs the bare MediaPipe call.

Frames are the real photos in ../shared/frames, resized to 640x480 and JPEG-encoded in memory
(as a webcam's MJPEG stream would arrive), run in VIDEO mode.

    python benchmarks/pose_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from slumpwatch.pipeline import detect
from slumpwatch.pose import BUNDLED_MODEL, MediaPipePoseEstimator, quiet_native_stderr
from slumpwatch.scoring import score

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "frames"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    files = sorted(SHARED.glob("front/*.jpg")) + sorted(SHARED.glob("side/*.jpg"))
    jpegs = [cv2.imencode(".jpg", cv2.resize(cv2.imread(str(f)), (640, 480)))[1].tobytes() for f in files]
    decoded = [cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR) for j in jpegs]

    with quiet_native_stderr():
        import mediapipe as mp
        from mediapipe.tasks import python as mpt
        from mediapipe.tasks.python import vision

        bare = vision.PoseLandmarker.create_from_options(
            vision.PoseLandmarkerOptions(
                base_options=mpt.BaseOptions(model_asset_path=str(BUNDLED_MODEL)),
                running_mode=vision.RunningMode.VIDEO,
                num_poses=2,
            )
        )
    bare_ms: list[float] = []
    ts = 0
    with quiet_native_stderr():
        for _ in range(args.rounds):
            for frame in decoded:
                rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                t0 = time.perf_counter()
                bare.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ts)
                bare_ms.append((time.perf_counter() - t0) * 1000)
                ts += 33
        bare.close()

    ours_ms: list[float] = []
    with MediaPipePoseEstimator(video=True) as est:
        t = 0.0
        for _ in range(args.rounds):
            for data in jpegs:
                t0 = time.perf_counter()
                frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                sample, _ = detect(est, frame, t)
                if sample is not None:
                    score(sample)
                ours_ms.append((time.perf_counter() - t0) * 1000)
                t += 0.033
    b, o = statistics.median(bare_ms), statistics.median(ours_ms)
    print(f"frames: {len(jpegs)} x {args.rounds} rounds at 640x480, VIDEO mode")
    print(f"bare MediaPipe detect_for_video (RGB in):  median {b:.1f} ms")
    print(f"slumpwatch decode+pose+geometry+scoring:   median {o:.1f} ms")
    print(f"overhead: {o - b:+.1f} ms ({(o - b) / b:+.1%} of the model's time)")


if __name__ == "__main__":
    main()
