"""``calibrate``: record the upright baseline a profile holds."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .args import command
from .output import out as _out
from .output import raw

if TYPE_CHECKING:
    from .args import Subparsers


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Record your upright posture as the baseline (a few seconds).

    example: slumpwatch calibrate --profile desk
    example: slumpwatch calibrate --source sample_frames/front_desk.jsonl --output /tmp/front_desk.json
    """
    from ..calibration import Observation, Profile, calibrate, check_name, save_profile
    from ..paths import profile_path
    from ..pose import MediaPipePoseEstimator
    from ..recording import is_recording, read_recording
    from ..sources import Camera, brightness, open_source

    name = check_name(args.profile)
    seconds = args.seconds
    model = ""
    if args.source and is_recording(Path(args.source)):
        # A landmark recording: its first ``seconds`` are the upright stretch (no images, no brightness).
        frames = [f for f in read_recording(Path(args.source)) if f.t <= seconds]
        observations = [Observation(128.0, [f.sample] if f.sample else []) for f in frames]
    else:
        source = open_source(args.source, args.camera, args.fps)
        if isinstance(source, Camera):
            source.open()
            _out("Sit upright, right back in your chair, shoulders relaxed, looking at the screen.")
            for n in range(3, 0, -1):
                _out(f"  starting in {n}...")
                time.sleep(1)
        observations = []
        with MediaPipePoseEstimator(args.model, video=True) as est:
            for t, frame in source.frames():
                if t > seconds:
                    break
                observations.append(Observation(brightness(frame), est(frame, t)))
                if not args.quiet:
                    done = min(t / seconds, 1.0) if seconds else 1.0
                    raw(f"\r  calibrating [{'#' * int(done * 30):30s}] {done:4.0%}")
            model = est.model_name
        source.close()
        if not args.quiet:
            _out()
    baseline = calibrate(observations)
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    camera_name = str(args.source) if args.source else str(args.camera)
    out = Path(args.output) if args.output else profile_path(name)
    save_profile(Profile(name, created, baseline, camera_name, model), out)
    _out(f"Calibrated '{name}' ({baseline.view.value} view, {len(observations)} frames); saved {out}")
    return 0


def register(sub: Subparsers) -> None:
    p = command(sub, "calibrate", cmd_calibrate, model=True)
    p.add_argument("--profile", default="default", help="profile name (default: default)")
    p.add_argument("--source", help="a video file or image folder instead of the webcam")
    p.add_argument("--camera", type=int, default=0)
    p.add_argument("--seconds", type=float, default=8.0, help="how long to record (default 8)")
    p.add_argument("--fps", type=float, default=5.0)
    p.add_argument("--output", help="write the profile here instead of the config directory")
    p.add_argument("--quiet", action="store_true")
