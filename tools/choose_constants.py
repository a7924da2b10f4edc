"""Picks the calibrated front view's constants by leaving one session out at a time.

The constants (``slumpwatch.scoring.FrontConstants``: neck, drop and head-forward floors, the
head-forward dead zone, noise factor and cap, lean-back weight) decide the verdict for people
slumpwatch has never seen, so they must not be fitted to the sessions they are judged on. For each
session in turn, this picks the grid point with the best mean balanced accuracy over every *other*
session (both protocols, ``loo`` and ``first-run``), then scores the left-out session with it: the
worst of those figures is what to expect of a new person. It also prints the shipped constants'
figures, and how often each grid value was chosen. With ``--noise-estimators`` it also chooses how
the calibration's noise is estimated (the shipped slump-side spread, the plain robust sigma, or the
frame-to-frame jitter alone, which ignores a shift between upright runs). Beside the shipped
figures it prints those of the simplest calibrated rule of existing monitors on the same frames
(issue #9's yardstick: the vertical nose-to-shoulder distance over the shoulder width below 0.85 x
its upright value), and for both the mean and the number of figures >= 0.90.

A session is one subject and session of a landmark recording (``record``'s format with per-frame
labels) or of a labels CSV (the front photos of ``../shared/frames``, through the pose model).
Frames labelled ``reclined`` count as upright in the choice (leaning back is not a slump), not in
the figures, which are ``evaluate``'s. Side-view sessions are left out: these constants are the
front view's. Self-calibration (``evaluate --mode self``) is not searched: check a choice with it
too (the head-forward dead zone is there for it). Run from the project root:

    python tools/choose_constants.py                       # ../shared/recordings + ../shared/frames
    python tools/choose_constants.py REC.jsonl ... [--no-frames] [--noise-estimators]
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from slumpwatch.evaluate import Item, calibration_sets, load_items
from slumpwatch.geometry import View
from slumpwatch.scoring import (
    FRONT,
    FrontConstants,
    Stat,
    build_baseline,
    front_features,
    front_index,
    front_measures,
    front_noise,
    robust_sigma,
    slump_side_sigma,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PROTOCOLS = ("loo", "first-run")
NEGATIVE = ("upright", "reclined")  # not a slump, for the choice

GRID: dict[str, Sequence[float]] = {
    "neck_floor": (0.1, 0.125, 0.15, 0.175),
    "drop_floor": (0.25, 0.35, 0.5),
    "forward_floor": (0.15, 0.2, 0.3, math.inf),  # inf: without the head-forward measure
    "forward_dead": (0.0, 0.5),
    "noise_factor": (2.0, 2.5, 3.0),
    "noise_cap": (1.0, 1.25, 1.5, 2.0),
    "lean_back": (0.0, 0.25, 0.5),
}


SIMPLE_RULE_SHORTENING = 0.15  # the simple rule: a nose-to-shoulder ratio below 0.85 x upright


@dataclass
class Frame:
    label: str
    measures: Mapping[str, float]
    noise: Mapping[str, float]
    nose: float | None = None  # the nose-to-shoulder ratio's shortening against upright (simple rule)


Scored = dict[tuple[str, str], list[Frame]]  # (session, protocol) -> frames


def sessions(paths: Iterable[Path], frames_csv: Path | None) -> dict[str, list[Item]]:
    """Labelled items per session name (``file`` or ``file/subject/session``)."""
    out: dict[str, list[Item]] = {}
    sources: list[tuple[Path, list[Item]]] = [(p, load_items(p, None)) for p in paths]
    if frames_csv is not None:
        from slumpwatch.pipeline import detect_file
        from slumpwatch.pose import MediaPipePoseEstimator

        items = load_items(frames_csv, lambda f: detect_file(MediaPipePoseEstimator, f, None))
        sources.append((frames_csv, [it for it in items if it.view != "side"]))
    for path, items in sources:
        groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
        for it in items:
            groups[(it.subject, it.session)].append(it)
        for (subject, session), group in groups.items():
            name = path.stem if len(groups) == 1 else f"{path.parent.name}/{subject}/{session}"
            out[name] = group
    return out


def jitter_sigma(values: Sequence[float]) -> float:
    """Noise of a measure over frames in time order from its changes between consecutive frames:
    the robust sigma of the steps over sqrt 2. Landmark jitter counts in full; slow sway and a shift
    between two upright runs hardly count (``--noise-estimators`` weighs it against the shipped one)."""
    if len(values) < 3:
        return robust_sigma(values)
    return robust_sigma([b - a for a, b in itertools.pairwise(values)]) / math.sqrt(2.0)


# How the calibration's noise is estimated (scoring.front_noise's ``sigma``): the shipped
# slump-side spread, the plain robust sigma, or the frame-to-frame jitter alone.
ESTIMATORS: dict[str, Callable[[Sequence[float]], float]] = {
    "slump-side": slump_side_sigma,
    "jitter": jitter_sigma,
    "mad": robust_sigma,
}
SHIPPED_ESTIMATOR = "slump-side"


def prepare(groups: Mapping[str, list[Item]], lean_back: float, estimator: str = SHIPPED_ESTIMATOR) -> Scored:
    """Front measures and baseline noise of every labelled frame, per session and protocol."""
    out: Scored = {}
    for name, group in groups.items():
        for protocol in PROTOCOLS:
            for it in group:
                it.calibration = False
            sets = calibration_sets(group, protocol)
            built: dict[int, tuple[Mapping[str, Stat], Mapping[str, float]] | None] = {}
            frames: list[Frame] = []
            for it in group:
                if it.sample is None or it.calibration or it.label not in ("slumped", *NEGATIVE):
                    continue
                calib = sets[id(it)]
                if id(calib) not in built:
                    built[id(calib)] = _baseline(calib, lean_back, estimator)
                base = built[id(calib)]
                feats = front_features(it.sample)
                if base is None or feats is None:
                    continue
                m = front_measures(feats, base[0], lean_back)
                if m is not None:
                    frames.append(Frame(it.label, m, base[1], _nose_shortening(feats, base[0])))
            if frames:
                out[(name, protocol)] = frames
    return out


def _baseline(
    calib: Sequence[Item], lean_back: float, estimator: str
) -> tuple[Mapping[str, Stat], Mapping[str, float]] | None:
    samples = [it.sample for it in calib if it.sample is not None]
    try:
        baseline = build_baseline(samples)
    except ValueError:
        return None
    if baseline.view is not View.FRONT:
        return None
    rows = [f for s in samples if (f := front_features(s)) is not None]
    return baseline.signals, front_noise(rows, baseline.signals, ESTIMATORS[estimator], lean_back)


def _nose_shortening(feats: Mapping[str, float], signals: Mapping[str, Stat]) -> float | None:
    key = "neck_ratio@nose"
    if key not in feats or key not in signals or signals[key].median <= 0:
        return None
    return 1.0 - feats[key] / signals[key].median


def balanced(frames: Sequence[Frame], c: FrontConstants, negatives: Sequence[str] = ("upright",)) -> float:
    """Balanced accuracy of the frames at medium sensitivity (index >= 1.0 is slumped)."""
    return _balanced([(f.label, front_index(f.measures, f.noise, c) >= 1.0) for f in frames], negatives)


def simple_rule(frames: Sequence[Frame]) -> float:
    """Balanced accuracy of the simple rule (nose-to-shoulder ratio below 0.85 x upright) on the
    frames where the nose and its baseline are seen."""
    return _balanced(
        [(f.label, f.nose > SIMPLE_RULE_SHORTENING) for f in frames if f.nose is not None], ("upright",)
    )


def _balanced(verdicts: Iterable[tuple[str, bool]], negatives: Sequence[str]) -> float:
    hit = miss = fa = ok = 0
    for label, slumped in verdicts:
        if label == "slumped":
            hit += slumped
            miss += not slumped
        elif label in negatives:
            fa += slumped
            ok += not slumped
    if not (hit + miss) or not (fa + ok):
        return float("nan")
    return (hit / (hit + miss) + ok / (fa + ok)) / 2


def grid_points() -> list[FrontConstants]:
    names = list(GRID)
    return [
        FrontConstants(**dict(zip(names, values, strict=True)))
        for values in itertools.product(*GRID.values())
    ]


Choice = tuple[str, FrontConstants]  # (noise estimator, constants)


def changes(choice: Choice) -> list[str]:
    """What a choice changes from the shipped one, as ``name=value``."""
    estimator, c = choice
    out = [f"noise={estimator}"] if estimator != SHIPPED_ESTIMATOR else []
    return out + [
        f"{f.name}={getattr(c, f.name)}" for f in fields(c) if getattr(c, f.name) != getattr(FRONT, f.name)
    ]


def choose(table: Mapping[Choice, Mapping[tuple[str, str], float]], keep: Iterable[str]) -> Choice:
    """The choice with the best mean over the kept sessions' (session, protocol) figures; ties go
    to the one nearest the shipped choice (fewest changed fields)."""
    keep = set(keep)

    def merit(choice: Choice) -> tuple[float, int]:
        vals = [v for (name, _), v in table[choice].items() if name in keep and v == v]
        return (statistics.fmean(vals) if vals else 0.0, -len(changes(choice)))

    return max(table, key=merit)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recordings", nargs="*", type=Path, help="labelled landmark recordings")
    parser.add_argument("--frames", type=Path, default=SHARED / "frames" / "labels.csv")
    parser.add_argument("--no-frames", action="store_true", help="leave out the photos (no pose model)")
    parser.add_argument(
        "--noise-estimators",
        action="store_true",
        help="also choose how the calibration's noise is estimated (3 estimators: three times as slow)",
    )
    args = parser.parse_args(argv)
    estimators = list(ESTIMATORS) if args.noise_estimators else [SHIPPED_ESTIMATOR]
    paths = args.recordings or sorted((SHARED / "recordings").glob("*.jsonl"))
    frames_csv = None if args.no_frames or not args.frames.is_file() else args.frames
    groups = sessions(paths, frames_csv)
    lean_backs = {*GRID["lean_back"], FRONT.lean_back}
    prepared = {(est, lb): prepare(groups, lb, est) for est in estimators for lb in lean_backs}
    names = sorted({name for scored in prepared.values() for name, _ in scored})
    choice_table: dict[Choice, dict[tuple[str, str], float]] = {}
    figure_table: dict[Choice, dict[tuple[str, str], float]] = {}
    shipped: Choice = (SHIPPED_ESTIMATOR, FRONT)
    for choice in [*((est, c) for est in estimators for c in grid_points()), shipped]:
        scored = prepared[(choice[0], choice[1].lean_back)]
        choice_table[choice] = {k: balanced(v, choice[1], NEGATIVE) for k, v in scored.items()}
        figure_table[choice] = {k: balanced(v, choice[1]) for k, v in scored.items()}

    def row(choice: Choice, name: str) -> str:
        return " / ".join(f"{figure_table[choice].get((name, p), float('nan')):.3f}" for p in PROTOCOLS)

    print(f"{len(choice_table)} choices; balanced accuracy loo / first-run\n")
    simple = {k: simple_rule(v) for k, v in prepared[(SHIPPED_ESTIMATOR, FRONT.lean_back)].items()}
    print(f"shipped: noise {SHIPPED_ESTIMATOR}, {FRONT}")
    print(f"  {'session':<28} {'shipped':<15} simple rule (nose ratio < 0.85 x upright)")
    for name in names:
        simple_row = " / ".join(f"{simple.get((name, p), float('nan')):.3f}" for p in PROTOCOLS)
        print(f"  {name:<28} {row(shipped, name):<15} {simple_row}")
    for label, figures in (("shipped", figure_table[shipped]), ("simple rule", simple)):
        vals = [v for v in figures.values() if v == v]
        if vals:
            good = sum(v >= 0.9 for v in vals)
            print(f"  {label}: mean {statistics.fmean(vals):.3f}, {good} of {len(vals)} figures >= 0.90")
    print("\nleft out                       chosen on the others                          left-out figure")
    held: list[float] = []
    chosen: dict[str, list[object]] = defaultdict(list)
    for name in names:
        choice = choose(choice_table, [n for n in names if n != name])
        estimator, c = choice
        print(f"  {name:<28} {', '.join(changes(choice)) or 'the shipped constants':<46} {row(choice, name)}")
        held += [v for (n, _), v in figure_table[choice].items() if n == name and v == v]
        chosen["noise"].append(estimator)
        for f in fields(c):
            chosen[f.name].append(getattr(c, f.name))
    if held:
        print(f"\nleft-out sessions: mean {statistics.fmean(held):.3f}, worst {min(held):.3f}")
    for field_name, values in chosen.items():
        counts = ", ".join(f"{v}: {values.count(v)}" for v in sorted(set(values), key=str))
        print(f"  {field_name}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
