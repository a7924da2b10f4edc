"""What releasing the webcam between samples costs per sample (``slumpwatch.sharing``).

Two figures:

* **slumpwatch's own overhead** of a release/reopen cycle, measured with an in-memory fake camera
  (no driver): CPU microseconds per sample of ``shared_camera_frames`` opening and closing it.
* **the driver's cost** on a real webcam (``--camera N``): wall and CPU time of ``cv2.VideoCapture``
  open + the first frames + release, per sample, against reading one frame from a held camera. On a
  machine without a webcam this part says so and measures nothing.

    python benchmarks/camera_reopen.py [--samples 200] [--camera 0]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from slumpwatch.app import Stopper
from slumpwatch.control import LiveControl
from slumpwatch.monitor import Monitor, Rates
from slumpwatch.notify.routes import ConsoleRoute, Notifier
from slumpwatch.sharing import shared_camera_frames

FRAME = np.zeros((480, 640, 3), np.uint8)


class FakeCamera:
    name = "fake"

    def __init__(self) -> None:
        self.fps: float | None = 1.0
        self.opens = 0

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        while True:
            yield 0.0, FRAME

    def close(self) -> None:
        pass


def overhead(samples: int) -> tuple[float, int]:
    cam = FakeCamera()

    def open_camera() -> FakeCamera:
        cam.opens += 1
        return cam

    mon = Monitor(None, None, Notifier([ConsoleRoute(io.StringIO())]), rates=Rates(1000, 1000, 1000))
    stopper = Stopper()
    stopper.sleep = lambda s: None  # type: ignore[method-assign]
    frames = shared_camera_frames(open_camera, mon, stopper, LiveControl(), release_gap_s=0.0)
    cpu0 = time.process_time()
    for n, _ in enumerate(frames):
        if n + 1 >= samples:
            break
    return (time.process_time() - cpu0) / samples * 1e6, cam.opens


def driver(index: int, samples: int) -> None:
    dev = Path(f"/dev/video{index}")
    if sys.platform.startswith("linux") and not dev.exists():
        print(f"driver cost: not measured: no webcam ({dev} does not exist on this machine)")
        return
    import cv2

    def timed(func: object) -> tuple[float, float]:
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(samples):
            func()  # type: ignore[operator]
        return (time.perf_counter() - w0) / samples * 1e3, (time.process_time() - c0) / samples * 1e3

    def reopen() -> None:
        cap = cv2.VideoCapture(index)
        for _ in range(3):  # 2 warm-up frames dropped + the sample
            cap.read()
        cap.release()

    held = cv2.VideoCapture(index)
    if not held.isOpened():
        print(f"driver cost: not measured: camera {index} cannot be opened (in use?)")
        return
    wall_h, cpu_h = timed(lambda: held.read())
    held.release()
    wall_r, cpu_r = timed(reopen)
    print(f"held camera, one frame:     {wall_h:7.1f} ms wall {cpu_h:6.1f} ms CPU per sample")
    print(f"reopened per sample:        {wall_r:7.1f} ms wall {cpu_r:6.1f} ms CPU per sample")
    print(f"extra CPU per steady hour (0.4 samples/s): {(cpu_r - cpu_h) * 0.4 * 3600 / 1e3:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--camera", type=int, default=0)
    args = ap.parse_args()
    us, opens = overhead(args.samples * 50)
    print(f"slumpwatch overhead of release/reopen: {us:.1f} µs CPU per sample ({opens} opens, fake camera)")
    print(f"  at 0.4 samples/s: {us * 0.4 * 3600 / 1e6:.3f} CPU s per hour")
    driver(args.camera, args.samples)


if __name__ == "__main__":
    main()
