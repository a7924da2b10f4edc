"""The webcam is released between steady samples; a camera held by another process pauses the
monitor ("camera in use", stored as paused) until it is free again."""

from __future__ import annotations

import fcntl
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from slumpwatch.app import Stopper
from slumpwatch.control import LiveControl
from slumpwatch.errors import CameraBusyError, CameraError
from slumpwatch.monitor import Monitor, Rates
from slumpwatch.notify.routes import ConsoleRoute, Notifier
from slumpwatch.sharing import shared_camera_frames
from slumpwatch.store import Store

from .conftest import front_pose


class LockedCamera:
    """A test double for a webcam that one process at a time can hold (an exclusive file lock)."""

    def __init__(self, lock: Path, fps: float = 10.0) -> None:
        self.lock = lock
        self.fps: float | None = fps
        self.name = "fake camera"
        self.fd: int | None = None
        self.opens = 0

    def open(self) -> None:
        fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CameraBusyError("fake camera is in use by another program") from None
        self.fd = fd
        self.opens += 1

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        start = time.monotonic()
        while True:
            yield time.monotonic() - start, np.zeros((4, 4, 3), np.uint8)
            time.sleep(1.0 / (self.fps or 10.0))

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None


def _monitor(store: Store, control: LiveControl, fps: float) -> Monitor:
    mon = Monitor(None, store, Notifier([ConsoleRoute(io.StringIO())]), rates=Rates(fps, fps, fps))
    mon.on_status = control.watching(None)
    return mon


def test_camera_held_by_another_process_pauses_and_resumes(tmp_path: Path) -> None:
    lock = tmp_path / "camera.lock"
    cam = LockedCamera(lock)
    control = LiveControl()
    stopper = Stopper()
    samples: list[float] = []
    messages: list[str] = []
    states: list[str] = []

    def open_camera() -> LockedCamera:
        cam.open()
        return cam

    def loop() -> None:  # the store belongs to the monitoring thread, as in ``watch``
        with Store(":memory:") as store:
            mon = _monitor(store, control, fps=2.0)  # a sample every 0.5 s: released in between
            mon.on_message = messages.append
            mon.start(time.time())
            frames = shared_camera_frames(open_camera, mon, stopper, control, release_gap_s=0.3)
            for t, frame in frames:
                if control.sync(mon, t) or frame is None:
                    continue
                mon.process(t, front_pose())
                samples.append(t)
            mon.stop(time.time())
            states.extend(s.state for s in store.spans(0, 2e9))

    worker = threading.Thread(target=loop)
    worker.start()
    try:
        time.sleep(1.5)
        assert len(samples) >= 2 and cam.opens >= 2  # opened per sample, not held
        # A call app starts: it gets the camera within one sample gap, and holds it.
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import fcntl, os, sys\n"
                f"fd = os.open({str(lock)!r}, os.O_RDWR)\n"
                "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                "print('held', flush=True)\n"
                "sys.stdin.readline()\n",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        began = time.monotonic()
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert time.monotonic() - began < 3
        deadline = time.monotonic() + 10
        while not control.camera_busy and time.monotonic() < deadline:
            time.sleep(0.05)
        busy = control.describe()
        assert busy["state"] == "paused" and busy["camera_busy"] and busy["paused_why"] == "camera in use"
        held_since = len(samples)
        time.sleep(1.5)
        assert len(samples) == held_since  # nothing sampled while the other program holds it
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(10)
        holder.stdout.close()
        deadline = time.monotonic() + 10
        while len(samples) <= held_since + 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(samples) > held_since + 1 and not control.camera_busy
    finally:
        stopper.request_stop()
        worker.join(10)
    assert "paused" in states[:-1]  # the stretch the camera was in use is stored as paused
    assert sum("camera in use" in m for m in messages) == 1  # said once, retried quietly


def test_camera_taken_before_monitoring_starts_is_stored_as_paused(tmp_path: Path) -> None:
    cam = LockedCamera(tmp_path / "camera.lock")
    other = LockedCamera(cam.lock)
    other.open()  # a call app holds the camera when the monitor starts
    control = LiveControl()
    stopper = Stopper()
    began = time.time()
    with Store(":memory:") as store:
        mon = _monitor(store, control, fps=5.0)

        def open_camera() -> LockedCamera:
            cam.open()
            return cam

        started = False
        for t, frame in shared_camera_frames(open_camera, mon, stopper, control, clock=time.time):
            if not started:
                mon.start(t)
                started = True
                assert control.describe()["camera_busy"]
            if time.time() - began > 1.2:
                other.close()  # the call ended
            if control.sync(mon, t) or frame is None:
                continue
            mon.process(t, front_pose())
            break
        mon.stop(time.time())
        spans = store.spans(0, 2e9)
    assert spans[0].state == "paused" and spans[0].end - spans[0].start >= 1.0
    assert spans[1].state != "paused"


def test_user_pause_keeps_the_camera_closed(tmp_path: Path) -> None:
    cam = LockedCamera(tmp_path / "camera.lock")
    control = LiveControl()
    stopper = Stopper()
    with Store(":memory:") as store:
        mon = _monitor(store, control, fps=5.0)
        control.pause(3600.0)

        def open_camera() -> LockedCamera:
            cam.open()
            return cam

        for ticks, (t, frame) in enumerate(shared_camera_frames(open_camera, mon, stopper, control)):
            assert frame is None and control.sync(mon, t)
            if ticks == 1:
                break
        assert cam.opens == 0


def test_a_missing_camera_is_still_an_error(tmp_path: Path) -> None:
    def missing() -> LockedCamera:
        raise CameraError("camera 0 not found or busy")

    with Store(":memory:") as store, pytest.raises(CameraError, match="not found"):
        control = LiveControl()
        list(shared_camera_frames(missing, _monitor(store, control, 1.0), Stopper(), control))


@pytest.mark.skipif(not Path("/dev/video0").exists(), reason="no webcam (/dev/video0) on this machine")
def test_a_real_webcam_held_by_another_process_is_in_use() -> None:
    from slumpwatch.sources import Camera

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import cv2, sys\n"
            "cap = cv2.VideoCapture(0)\n"
            "ok, _ = cap.read()\n"
            "print('held' if ok else 'no', flush=True)\n"
            "sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        if holder.stdout.readline().strip() != "held":
            pytest.skip("the webcam cannot be read here")
        cam = Camera(0)
        try:
            with pytest.raises(CameraBusyError, match="in use by another program"):
                cam.open()
                next(cam.frames())
        finally:
            cam.close()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
