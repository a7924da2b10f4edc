"""Never block a video call: the webcam is released between samples while the monitor is steady.

``run`` samples 0.4 frames per second while nothing is happening, so the camera would sit open for
2.5 s between samples and a call app started later could not get it. :func:`shared_camera_frames`
closes it after each sample whenever the next one is at least ``release_gap_s`` away, and opens
it again for the next. When opening fails because another program holds the camera
(:class:`~slumpwatch.errors.CameraBusyError`), the monitor is paused ("camera in use", stored as
paused), and opening is retried quietly with back-off until the camera is free.

While the user paused the monitor (:class:`~slumpwatch.control.LiveControl`), the camera is not
opened at all; the loop still gets a ``(time, None)`` tick each second so it can apply the pause,
its end and a resume.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from .errors import CameraBusyError, CameraError

if TYPE_CHECKING:
    from .control import LiveControl
    from .monitor import Monitor
    from .sources import Camera


class Stopper(Protocol):
    """``app.Stopper``: a stop flag and a sleep that a stop cuts short."""

    stop: bool

    def sleep(self, seconds: float) -> None: ...


RELEASE_GAP_S = 2.0  # a gap to the next sample at least this long: the camera is closed meanwhile
WARMUP_FRAMES = 2  # frames read and dropped after opening (exposure settling); not measured here
MAX_BACKOFF_S = 60.0


def shared_camera_frames(
    open_camera: Callable[[], Camera],
    monitor: Monitor,
    stopper: Stopper,
    control: LiveControl | None = None,
    clock: Callable[[], float] = time.time,
    release_gap_s: float = RELEASE_GAP_S,
    warmup_frames: int = WARMUP_FRAMES,
) -> Iterator[tuple[float, Any]]:
    """(epoch seconds, frame) from a webcam held only while samples come quickly.

    A camera that fails before ever delivering a frame for any reason but being busy is a set-up
    problem: its error is raised, as with :func:`slumpwatch.monitor.camera_frames`.
    """
    backoff = 1.0
    worked = False
    while not stopper.stop:
        if control is not None and control.paused_until is not None:
            yield clock(), None  # the loop applies the pause; the camera stays closed
            stopper.sleep(1.0)
            continue
        gap = 0.0
        sampled = clock()
        try:
            cam = open_camera()
            if control is not None:
                control.camera_back()
            try:
                for n, (_, frame) in enumerate(cam.frames()):
                    if n < warmup_frames:
                        continue
                    backoff = 1.0
                    worked = True
                    sampled = clock()
                    yield sampled, frame
                    gap = 1.0 / max(monitor.suggested_fps(), 1e-3)
                    paused = control is not None and control.paused_until is not None
                    if stopper.stop or paused or gap >= release_gap_s:
                        break
                    cam.fps = 1.0 / gap
            finally:
                cam.close()
        except CameraBusyError as err:
            now = clock()
            if control is not None:
                control.camera_in_use(monitor, now, str(err))
            else:
                monitor.pause(now, str(err))
            yield now, None  # a tick: the loop starts the session even while the camera is taken
        except CameraError as err:
            if not worked:
                raise
            monitor.pause(clock(), str(err))
        else:
            stopper.sleep(gap - (clock() - sampled))  # the light is off until the next sample
            continue
        stopper.sleep(backoff)  # retried quietly, less and less often
        backoff = min(backoff * 2, MAX_BACKOFF_S)
