"""The command line: the only module that parses argv or writes to stdout."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import math
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, SlumpwatchError

log = logging.getLogger("slumpwatch")


def _out(text: str = "") -> None:
    print(text, flush=True)


# ---------------------------------------------------------------- analyze
def cmd_analyze(args: argparse.Namespace) -> int:
    from .annotate import draw, save_new
    from .geometry import measure
    from .pipeline import detect
    from .pose import MediaPipePoseEstimator
    from .sources import ImageFiles, VideoFile, collect_images

    images, videos, problems = collect_images([Path(p) for p in args.paths])
    for p in problems:
        _err(p)
    if args.annotate:
        Path(args.annotate).mkdir(parents=True, exist_ok=True)
    analysed = 0

    def report(name: str, t: float, frame: Any, sample: Any, problem: str | None) -> None:
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
                    f"neck={_deg(geo.neck_deg)}  [{quality}]"
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
        with MediaPipePoseEstimator(args.model, video=True) as est:
            try:
                for t, frame in VideoFile(video, fps=args.fps).frames():
                    sample, problem = detect(est, frame, t)
                    total += 1
                    found += sample is not None
                    report(str(video), t, frame, sample, problem)
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
    from .evaluate import judge, load_items, overall, summarise
    from .pipeline import detect_file
    from .pose import MediaPipePoseEstimator
    from .scoring import Sensitivity

    path = Path(args.labels)
    if not path.is_file():
        raise InputError(f"no such file: {path}", "give a labels CSV or a .jsonl recording")

    def detector(file: Path) -> list[tuple[float, Any, str | None]]:
        return detect_file(MediaPipePoseEstimator, file, args.model)

    items = load_items(path, detector)
    modes = ["calibrated", "uncalibrated"] if args.mode == "both" else [args.mode]
    result: dict[str, Any] = {}
    for mode in modes:
        judge(
            items,
            calibrated=mode == "calibrated",
            sensitivity=Sensitivity(args.sensitivity),
            protocol=args.protocol,
            calibration_frames=args.calibration_frames,
        )
        slices = summarise(items)
        result[mode] = {"slices": [s.as_dict() for s in slices], "overall": overall(slices).as_dict()}
        if mode == "calibrated":
            result[mode]["protocol"] = args.protocol
    if args.json:
        _out(json.dumps(result, indent=2))
        return 0
    for mode, data in result.items():
        _out(f"{mode}:" + (f" (protocol {data['protocol']})" if "protocol" in data else ""))
        _out(
            f"  {'subject':10s} {'session':8s} {'view':6s} {'n':>4s} {'acc':>6s} {'recall':>7s} "
            f"{'false':>6s} {'bal':>6s} {'nopose':>6s}  other labels"
        )
        for s in [*data["slices"], data["overall"]]:
            other = "; ".join(
                f"{k}: " + ", ".join(f"{c} {v}" for v, c in d.items()) for k, d in s["other_labels"].items()
            )
            _out(
                f"  {s['subject']:10s} {s['session']:8s} {s['view']:6s} {s['n']:4d} {_pct(s['accuracy'])} "
                f"{_pct(s['slumped_recall'], 7)} {_pct(s['false_alarm_rate'])} "
                f"{_pct(s['balanced_accuracy'])} {s['no_pose']:6d}  {other}"
            )
            for note in s["notes"]:
                _out(f"      note: {note}")
    return 0


def _pct(v: float | None, width: int = 6) -> str:
    return f"{'-':>{width}s}" if v is None else f"{v * 100:{width - 1}.1f}%"


# ---------------------------------------------------------------- calibrate
def cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibration import Observation, Profile, calibrate, check_name, save_profile
    from .paths import profile_path
    from .pose import MediaPipePoseEstimator
    from .recording import is_recording, read_recording
    from .sources import Camera, brightness, open_source

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
                    sys.stdout.write(f"\r  calibrating [{'#' * int(done * 30):30s}] {done:4.0%}")
                    sys.stdout.flush()
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


# ---------------------------------------------------------------- main
EXAMPLES = {
    "analyze": "slumpwatch analyze ../shared/frames/side --annotate /tmp/annotated",
    "evaluate": "slumpwatch evaluate ../shared/recordings/posturemax.jsonl --calibrated --protocol first-run",
    "calibrate": "slumpwatch calibrate --profile desk   (or --source recording.mp4)",
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slumpwatch", description="Webcam posture monitor for slumped sitting."
    )
    parser.add_argument("--version", action="version", version=f"slumpwatch {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, helptext: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, help=helptext, description=helptext, epilog=f"example: {EXAMPLES.get(name, '')}"
        )
        p.add_argument(
            "--model", help="a pose_landmarker_{lite,full,heavy}.task file instead of the bundled one"
        )
        return p

    p = add("analyze", "Per-frame view, trunk and neck flexion for images, folders and videos.")
    p.add_argument("paths", nargs="+", help="images, folders or video files")
    p.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p.add_argument("--annotate", metavar="DIR", help="write frames with the skeleton and angles drawn")
    p.add_argument(
        "--fps", type=float, default=None, help="sample videos at this rate (default: every frame)"
    )
    p.set_defaults(func=cmd_analyze)

    p = add("evaluate", "Accuracy on labelled frames or landmark recordings.")
    p.add_argument("labels", help="labels CSV (file,label[,view,subject,session]) or a .jsonl recording")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--calibrated", dest="mode", action="store_const", const="calibrated")
    mode.add_argument("--uncalibrated", dest="mode", action="store_const", const="uncalibrated")
    mode.add_argument("--mode", choices=["calibrated", "uncalibrated", "both"])
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
        type=_positive_int,
        default=20,
        metavar="N",
        help="first-run: how many upright frames calibrate (default 20)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = add("calibrate", "Record your upright posture as the baseline (a few seconds).")
    p.add_argument("--profile", default="default", help="profile name (default: default)")
    p.add_argument("--source", help="a video file or image folder instead of the webcam")
    p.add_argument("--camera", type=int, default=0)
    p.add_argument("--seconds", type=float, default=8.0, help="how long to record (default 8)")
    p.add_argument("--fps", type=float, default=5.0)
    p.add_argument("--output", help="write the profile here instead of the config directory")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_calibrate)

    from . import cli_more

    cli_more.register(sub, add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="slumpwatch: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except SlumpwatchError as err:
        _err(err.one_line())
        return err.exit_code
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as err:
        _err(_os_error(err))
        return 74
    except UnicodeDecodeError as err:
        _err(
            f"a file that should be text is not UTF-8 ({err.reason} at byte {err.start}); re-save it as UTF-8"
        )
        return 65
    except Exception as err:  # the last resort: one line, the details only with -v
        log.debug("internal error", exc_info=True)
        _err(f"internal error: {type(err).__name__}: {err} (run with -v for details and report it)")
        return 70


def _os_error(err: OSError) -> str:
    where = f" {err.filename}" if err.filename else ""
    if err.errno == errno.ENOSPC:
        return f"disk full: cannot write{where} (free some disk space)"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"permission denied:{where} ({err.strerror}; check the path's permissions or set SLUMPWATCH_HOME)"
        )
    return f"cannot use{where}: {err.strerror or err} (check the path)"


def _err(message: str) -> None:
    print(f"slumpwatch: {message}", file=sys.stderr, flush=True)
