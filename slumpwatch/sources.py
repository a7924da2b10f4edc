"""Frame sources: webcam, video file, image folder or list, all yielding ``(seconds, BGR frame)``.

Every source honours a sampling rate: frames that will not be analysed are skipped with
``grab()`` (videos), not read at all (cameras) or never opened (image lists), so they are never
decoded.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import CameraBusyError, CameraError, InputError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".gif", ".mov", ".mkv", ".webm", ".m4v"}


class FrameSource(Protocol):
    """Yields ``(seconds, frame)``; ``fps`` is the sampling rate, which the monitor may change."""

    name: str
    fps: float | None

    def frames(self) -> Iterator[tuple[float, np.ndarray]]: ...

    def close(self) -> None: ...


def _cv2() -> Any:
    # FFmpeg's own decoder messages (dozens per damaged frame) would bury slumpwatch's one line;
    # skipped frames are counted and reported instead. Read when the first video is opened.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    import cv2

    return cv2


class ImageFiles:
    """Still images, one per second of a virtual clock (or ``interval_s`` apart).

    Unreadable files are reported through ``on_error`` and skipped.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        interval_s: float = 1.0,
        on_error: Callable[[Path, str], None] | None = None,
    ) -> None:
        self.paths = list(paths)
        self.name = str(paths[0].parent) if paths else "images"
        self.interval_s = interval_s
        self.fps: float | None = None  # stills are spaced by interval_s, not sampled
        self.on_error = on_error or (lambda p, why: log.warning("skipped %s: %s", p, why))
        self.current: Path | None = None

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        cv2 = _cv2()
        for i, path in enumerate(self.paths):
            frame = read_image(path, cv2)
            if isinstance(frame, str):
                self.on_error(path, frame)
                continue
            self.current = path
            yield i * self.interval_s, frame

    def close(self) -> None:
        pass


def read_image(path: Path, cv2: Any) -> np.ndarray | str:
    """The decoded image, or why it could not be read."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as err:
        return err.strerror or "cannot read"
    if data.size == 0:
        return "empty file"
    frame = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if frame is None:
        return "not a readable image"
    return frame


# A damaged stretch longer than this (frames in a row that do not decode) ends the video.
MAX_BAD_RUN = 250


class VideoFile:
    """A video file at ``fps`` samples per second of video time (None: every frame).

    Frames that fail to decode inside the file are skipped (counted in ``skipped``); ``ended``
    says why the frames stopped.
    """

    def __init__(self, path: Path, fps: float | None = None) -> None:
        self.path = path
        self.name = str(path)
        self.fps: float | None = fps
        self._cap: Any = None
        self.skipped = 0
        self.ended = ""

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        cv2 = _cv2()
        self._cap = cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise InputError(f"cannot open video {self.path}", "check that it is a readable mp4/avi/gif file")
        native = cap.get(cv2.CAP_PROP_FPS) or 0.0
        native = native if 0 < native < 1000 else 25.0
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        next_t = 0.0
        index = 0
        bad_run = 0
        try:
            while True:
                t = index / native
                index += 1
                skip = t + 1e-9 < next_t
                if skip:
                    ok, frame = cap.grab(), None
                else:
                    ok, frame = cap.read()
                if not ok or (frame is None and not skip):
                    if index >= total:
                        self.ended = f"end of video after {index - 1} frames"
                        break
                    self.skipped += 1
                    bad_run += 1
                    if bad_run >= MAX_BAD_RUN:
                        self.ended = f"{bad_run} undecodable frames in a row at frame {index}"
                        break
                    continue
                bad_run = 0
                if frame is None:  # grabbed, not decoded
                    continue
                next_t = t + (1.0 / self.fps if self.fps else 0.0)  # fps may change while running
                yield t, frame
        finally:
            self.close()

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class Camera:
    """A webcam by index, sampled at ``fps`` by wall-clock time.

    ``fps`` may be changed while running (the monitor lowers it while the person is steady).
    Between samples the camera is not read at all, so nothing is decoded; the driver's buffer is
    asked to hold one frame, so a sample is at most one frame period old.
    """

    def __init__(
        self,
        index: int = 0,
        fps: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        size: tuple[int, int] | None = (640, 480),
    ) -> None:
        self.index = index
        self.name = f"camera {index}"
        self.fps: float | None = fps
        self.clock = clock
        self.size = size
        self._cap: Any = None

    def open(self) -> None:
        from .pose import quiet_native_stderr

        cv2 = _cv2()
        # Probing writes OpenCV's own warnings (V4L2, FFmpeg, obsensor: about ten lines) straight
        # to file descriptor 2; slumpwatch says what went wrong in one line instead.
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            with quiet_native_stderr():
                cap = cv2.VideoCapture(self.index)
                opened = cap.isOpened()
                if not opened:
                    cap.release()
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not opened:
            self._raise_if_busy()
            raise camera_problem(self.index)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if self.size:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
        self._cap = cap

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        if self._cap is None:
            self.open()
        start = self.clock()
        next_t = 0.0
        first = True
        while True:
            t = self.clock() - start
            if t < next_t:
                time.sleep(min(next_t - t, 0.05))
                continue
            ok, frame = self._cap.read()
            if not ok or frame is None:
                if first:  # a device that opens but delivers nothing: another program streams from it
                    self._raise_if_busy()
                raise CameraError(
                    f"camera {self.index} stopped delivering frames", "check the cable or other apps"
                )
            next_t = t + 1.0 / max(self.fps or 1.0, 1e-3)
            first = False
            yield t, frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _raise_if_busy(self) -> None:
        """The device exists but cannot be used: taken to be held by another program (Linux)."""
        dev = Path(f"/dev/video{self.index}")
        if sys.platform.startswith("linux") and dev.exists() and os.access(dev, os.R_OK | os.W_OK):
            raise CameraBusyError(
                f"camera {self.index} is in use by another program", "it is retried quietly"
            )


def video_devices(dev: Path = Path("/dev")) -> list[Path]:
    """The video device nodes (Linux); empty where there are none or no /dev."""
    try:
        return sorted(dev.glob("video*"), key=lambda p: (len(p.name), p.name))
    except OSError:
        return []


def camera_problem(index: int, dev: Path = Path("/dev")) -> CameraError:
    """Why camera ``index`` did not open, as far as can be told, and what to do: one line."""
    devices = video_devices(dev)
    tried = dev / f"video{index}"
    others = ", ".join(p.name.removeprefix("video") for p in devices if p != tried)
    if not dev.is_dir():  # macOS, Windows: no device nodes to look at
        return CameraError(
            f"camera {index} did not open", "plug a webcam in, close programs using it, or pass --camera N"
        )
    if not devices:
        return CameraError(
            f"camera {index} not found: no /dev/video* device on this machine",
            "plug a webcam in, or pass --source FILE|DIR",
        )
    if tried not in devices:
        return CameraError(
            f"camera {index} not found: no {tried} (there is {', '.join(str(p) for p in devices)})",
            f"pass --camera N with N one of {others}",
        )
    if not os.access(tried, os.R_OK | os.W_OK):
        return CameraError(
            f"camera {index}: no permission to open {tried}",
            "add yourself to the video group (sudo usermod -aG video $USER) and log in again",
        )
    more = f", or pass --camera N with N one of {others}" if others else ""
    return CameraError(
        f"camera {index} ({tried}) would not open: busy, or not a capture device",
        f"close other programs using the camera (video calls, browsers){more}",
    )


def collect_images(paths: Sequence[Path]) -> tuple[list[Path], list[Path], list[str]]:
    """Splits inputs into image files and video files; returns problems as messages."""
    images: list[Path] = []
    videos: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            vids = sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
            if not found and not vids:
                problems.append(f"{path}: folder has no images or videos")
            images += found
            videos += vids
        elif path.suffix.lower() in VIDEO_SUFFIXES:
            videos.append(path)
        else:
            images.append(path)
    return images, videos, problems


def brightness(frame: np.ndarray) -> float:
    """Mean grey level 0-255, from a subsample (cheap)."""
    return float(frame[::8, ::8].mean())


def open_source(path: str | None, camera: int = 0, fps: float = 1.0) -> FrameSource:
    """The frame source for ``--source PATH`` (video file or image folder), else the webcam."""
    if not path:
        return Camera(camera, fps=fps)
    images, videos, problems = collect_images([Path(path)])
    if problems:
        raise InputError(problems[0], "give a video file or a folder of images")
    if videos:
        return VideoFile(videos[0], fps=fps)
    return ImageFiles(images, interval_s=1.0 / fps)
