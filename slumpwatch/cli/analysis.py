"""``analyze`` and ``evaluate``: per-frame measurements and accuracy on labelled data."""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .args import command, positive_int
from .output import dropped as _dropped
from .output import err as _err
from .output import out as _out

if TYPE_CHECKING:
    from .args import Subparsers


def cmd_analyze(args: argparse.Namespace) -> int:
    """Per-frame view, trunk and neck flexion for images, folders and videos.

    example: slumpwatch analyze ../shared/frames/side --annotate /tmp/annotated
    """
    from ..annotate import draw, save_new
    from ..geometry import measure
    from ..motion import MotionGate
    from ..pipeline import detect
    from ..pose import MediaPipePoseEstimator
    from ..sources import ImageFiles, VideoFile, collect_images

    images, videos, problems = collect_images([Path(p) for p in args.paths])
    for p in problems:
        _err(p)
    if args.annotate:
        Path(args.annotate).mkdir(parents=True, exist_ok=True)
    analysed = 0

    def report(
        name: str, t: float, frame: Any, sample: Any, problem: str | None, reused: bool = False
    ) -> None:
        nonlocal analysed
        geo = measure(sample) if sample is not None else None
        row = {
            "file": name,
            "t": round(t, 3),
            "person": sample is not None,
            "view": geo.view.value if geo else None,
            "trunk_deg": _r(geo.trunk_deg) if geo else None,
            "neck_deg": _r(geo.neck_deg) if geo else None,
            "trunk_source": geo.trunk_source if geo else None,
            "uncertain": list(geo.uncertain) if geo else [],
            "problem": problem,
        }
        if args.motion_gate:
            row["reused"] = reused
        analysed += 1
        if args.json:
            _out(json.dumps(row, allow_nan=False))
        else:
            if sample is None:
                _out(f"{name:40s} t={t:6.2f}  no person ({problem})")
            else:
                assert geo is not None
                quality = "ok" if not geo.uncertain else "uncertain: " + ", ".join(geo.uncertain)
                _out(
                    f"{name:40s} t={t:6.2f}  view={geo.view.value:7s} trunk={_deg(geo.trunk_deg)} "
                    f"neck={_deg(geo.neck_deg)}  [{quality}]{'  (reused: nothing moved)' if reused else ''}"
                )
        if args.annotate:
            stem = Path(name).stem + (f"_{t:07.2f}" if t else "")
            save_new(Path(args.annotate), stem, draw(frame, sample, geo))

    def bad_image(path: Path, why: str) -> None:
        _err(f"{path}: {why}, skipped")

    if images:
        with MediaPipePoseEstimator(args.model, video=False) as est:
            src = ImageFiles(images, on_error=bad_image)
            for t, frame in src.frames():
                sample, problem = detect(est, frame, t)
                report(str(src.current), 0.0, frame, sample, problem)
    for video in videos:
        found = total = 0
        gate: MotionGate[Any] | None = MotionGate() if args.motion_gate else None
        with MediaPipePoseEstimator(args.model, video=True) as est:
            try:
                for t, frame in VideoFile(video, fps=args.fps).frames():
                    sample, problem = detect(est, frame, t, gate=gate)
                    total += 1
                    found += sample is not None
                    report(str(video), t, frame, sample, problem, gate is not None and gate.last_reused)
            except InputError as err:
                _err(err.one_line())
        if total and found < 0.5 * total:
            _err(
                f"{video}: framing unusable, a usable person in only {found} of {total} frames "
                "(place the camera so your head and shoulders are fully in view)"
            )
    if analysed == 0:
        _err("nothing could be analysed (give images, a folder or a video file)")
        return 2
    return 0


def _r(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(v, 2)


def _deg(v: float | None) -> str:
    return "   -   " if v is None else f"{v:+6.1f}°"


# ---------------------------------------------------------------- evaluate
def cmd_evaluate(args: argparse.Namespace) -> int:
    """Accuracy on labelled frames or landmark recordings.

    example: slumpwatch evaluate ../shared/frames/labels.csv
    example: slumpwatch evaluate ../shared/recordings/posturemax.jsonl --calibrated --protocol first-run
    example: slumpwatch evaluate ../shared/recordings/nelsonak47.jsonl --mode self
    """
    from ..evaluate import judge, load_items, overall, summarise
    from ..pipeline import detect_file
    from ..pose import MediaPipePoseEstimator
    from ..scoring import Sensitivity

    path = Path(args.labels)
    if not path.is_file():
        raise InputError(f"no such file: {path}", "give a labels CSV or a .jsonl recording")

    def detector(file: Path) -> list[tuple[float, Any, str | None]]:
        return detect_file(MediaPipePoseEstimator, file, args.model)

    dropped: Counter[str] = Counter()
    items = load_items(path, detector, dropped)
    modes = ["calibrated", "uncalibrated"] if args.mode == "both" else [args.mode]
    result: dict[str, Any] = {}
    for mode in modes:
        protocol = "self" if mode == "self" else args.protocol
        judge(
            items,
            calibrated=mode != "uncalibrated",
            sensitivity=Sensitivity(args.sensitivity),
            protocol=protocol,
            calibration_frames=args.calibration_frames,
        )
        slices = summarise(items)
        result[mode] = {"slices": [s.as_dict() for s in slices], "overall": overall(slices).as_dict()}
        if mode != "uncalibrated":
            result[mode]["protocol"] = protocol
    if args.json:
        _out(json.dumps({**result, **({"dropped": dict(dropped)} if dropped else {})}, indent=2))
        return 0
    if dropped:
        _out(f"read {path}{_dropped(dropped)}")
    for mode, data in result.items():
        _out(f"{mode}:" + (f" (protocol {data['protocol']})" if "protocol" in data else ""))
        _out(
            f"  {'subject':10s} {'session':8s} {'view':6s} {'n':>4s} {'acc':>6s} {'recall':>7s} "
            f"{'false':>6s} {'bal':>6s} {'nopose':>6s} {'learn':>6s}  other labels"
        )
        for s in [*data["slices"], data["overall"]]:
            other = "; ".join(
                f"{k}: " + ", ".join(f"{c} {v}" for v, c in d.items()) for k, d in s["other_labels"].items()
            )
            _out(
                f"  {s['subject']:10s} {s['session']:8s} {s['view']:6s} {s['n']:4d} {_pct(s['accuracy'])} "
                f"{_pct(s['slumped_recall'], 7)} {_pct(s['false_alarm_rate'])} "
                f"{_pct(s['balanced_accuracy'])} {s['no_pose']:6d} {s['learning']:6d}  {other}"
            )
            for note in s["notes"]:
                _out(f"      note: {note}")
    return 0


def _pct(v: float | None, width: int = 6) -> str:
    return f"{'-':>{width}s}" if v is None else f"{v * 100:{width - 1}.1f}%"


def register(sub: Subparsers) -> None:
    p = command(sub, "analyze", cmd_analyze, model=True)
    p.add_argument("paths", nargs="+", help="images, folders or video files")
    p.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p.add_argument("--annotate", metavar="DIR", help="write frames with the skeleton and angles drawn")
    p.add_argument(
        "--fps", type=float, default=None, help="sample videos at this rate (default: every frame)"
    )
    p.add_argument(
        "--motion-gate",
        action="store_true",
        help="in videos, reuse the last pose while nothing moved, as `run` does (JSON field 'reused'; "
        "single images are never reused)",
    )

    p = command(sub, "evaluate", cmd_evaluate, model=True)
    p.add_argument("labels", help="labels CSV (file,label[,view,subject,session]) or a .jsonl recording")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--calibrated", dest="mode", action="store_const", const="calibrated")
    mode.add_argument("--uncalibrated", dest="mode", action="store_const", const="uncalibrated")
    mode.add_argument(
        "--mode",
        choices=["calibrated", "uncalibrated", "both", "self"],
        help="self: no calibration, the monitor's learner replayed in time order (frames it is still "
        "learning from are counted as 'learn', not scored)",
    )
    p.set_defaults(mode="both")
    p.add_argument("--sensitivity", choices=["low", "medium", "high"], default="medium")
    p.add_argument(
        "--protocol",
        choices=["loo", "first-run"],
        default="loo",
        help="calibrated baseline: leave-one-out over the upright frames (default), or the first "
        "upright run only, as a user calibrates",
    )
    p.add_argument(
        "--calibration-frames",
        type=positive_int,
        default=20,
        metavar="N",
        help="first-run: how many upright frames calibrate (default 20)",
    )
    p.add_argument("--json", action="store_true")
