"""Pose estimation: the ``PoseEstimator`` protocol and its MediaPipe Tasks implementation.

This is the only module that touches MediaPipe. It loads the model once, at construction, and
turns MediaPipe results into :class:`slumpwatch.landmarks.PoseSample` values.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ModelError
from .landmarks import LANDMARK_NAMES, Landmark, PoseSample

log = logging.getLogger(__name__)

BUNDLED_MODEL = Path(__file__).parent / "models" / "pose_landmarker_full.task"
BUNDLED_MODEL_SHA256 = "e28d273aef1cb0f3815d1e07536902a1f022b05dab8a576fe218c266cbfe1195"


class PoseEstimator(Protocol):
    """Turns one BGR frame into the people found in it (possibly none)."""

    model_name: str

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> list[PoseSample]: ...

    def close(self) -> None: ...


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence MediaPipe's C++ start-up logging, which writes straight to file descriptor 2."""
    fd = 2  # native code writes to the process's fd 2, whatever sys.stderr is now
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


class MediaPipePoseEstimator:
    """MediaPipe Pose Landmarker on the Tasks API.

    ``video=True`` uses VIDEO mode (tracking between frames; timestamps must increase), else IMAGE
    mode for unrelated stills. ``max_people`` poses are returned at most, nearest first as MediaPipe
    orders them.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        video: bool = False,
        max_people: int = 2,
        min_detection_confidence: float = 0.5,
    ) -> None:
        path = Path(model_path) if model_path else BUNDLED_MODEL
        if not path.is_file():
            raise ModelError(
                f"pose model not found: {path}",
                "pass --model with a pose_landmarker_{lite,full,heavy}.task file or reinstall slumpwatch",
            )
        self.model_name = path.name
        self.video = video
        self._last_ms = -1
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with quiet_native_stderr():
            import mediapipe as mp
            from mediapipe.tasks import python as mp_tasks
            from mediapipe.tasks.python import vision

            self._mp = mp
            options = vision.PoseLandmarkerOptions(
                base_options=mp_tasks.BaseOptions(model_asset_buffer=path.read_bytes()),
                running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
                num_poses=max_people,
                min_pose_detection_confidence=min_detection_confidence,
            )
            try:
                self._landmarker: Any = vision.PoseLandmarker.create_from_options(options)
            except (RuntimeError, ValueError) as err:
                raise ModelError(
                    f"cannot load pose model {path}: {str(err).splitlines()[0]}",
                    "use a MediaPipe pose_landmarker .task bundle",
                ) from err

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float = 0.0) -> list[PoseSample]:
        rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        height, width = frame_bgr.shape[:2]
        if self.video:
            ms = max(round(timestamp_s * 1000), self._last_ms + 1)
            self._last_ms = ms
            run = lambda: self._landmarker.detect_for_video(image, ms)  # noqa: E731
        else:
            run = lambda: self._landmarker.detect(image)  # noqa: E731
        # MediaPipe logs from native code on later frames too (alignment, projection warnings).
        with quiet_native_stderr():
            result = run()
        return convert_result(result, (width, height))

    def close(self) -> None:
        if self._landmarker is not None:
            with quiet_native_stderr():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _points(raw: Any) -> dict[str, Landmark]:
    out = {}
    for name, p in zip(LANDMARK_NAMES, raw, strict=False):
        vis = p.visibility if p.visibility is not None else 1.0
        pres = p.presence if p.presence is not None else 1.0
        out[name] = Landmark(float(p.x), float(p.y), float(p.z), float(vis), float(pres))
    return out


def convert_result(result: Any, image_size: tuple[int, int]) -> list[PoseSample]:
    """MediaPipe ``PoseLandmarkerResult`` -> slumpwatch samples, one per person."""
    people = list(result.pose_landmarks or [])
    worlds = list(result.pose_world_landmarks or [])
    samples = []
    for i, raw in enumerate(people):
        world = _points(worlds[i]) if i < len(worlds) else None
        samples.append(
            PoseSample(
                landmarks=_points(raw),
                world=world,
                image_size=image_size,
                extra_people=len(people) - 1,
            )
        )
    return samples
