"""``slumpwatch evaluate``: accuracy on labelled frames, as in ``../shared/frames/README.md``.

Inputs: a CSV with ``file`` and ``label`` columns (optional ``view``, ``subject``, ``session``; paths
relative to the CSV; images or videos), or landmark recordings (``.jsonl``) with a per-frame
``label``. Only ``upright`` and ``slumped`` are scored; other labels are reported as verdict counts.

Calibrated mode, two protocols per subject and session:

* ``loo`` (default): the baseline comes from the session's ``upright`` frames, leaving out the
  frame being scored. Sessions with more than ``EXACT_LOO_MAX`` upright frames use 10-fold
  cross-validation instead (each upright frame scored against the other nine tenths), which is
  within noise of leave-one-out and keeps large recordings fast.
* ``self`` (``evaluate --mode self``): no labels and no calibration. Each session is replayed in
  file order through the monitor's learner (:mod:`slumpwatch.learn`); frames inside its learning
  period are counted as ``learning``, not scored, and every later frame is scored against the
  reference learned so far. A photo set (every frame at the same time) has no order to replay: the
  learner sees the whole set first, then every frame is scored.
* ``first-run``: what a user does. The baseline comes from the first ``calibration_frames`` upright
  frames of the session's first upright run (in file order; ``unclear`` frames inside the run are
  skipped), at most half of the session's upright frames so that some are left to score; every
  other frame is then scored against it.

Each slice reports accuracy, slumped recall, the false-alarm rate and the balanced accuracy (the
mean of slumped recall and upright specificity, which does not reward a session's label balance).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .geometry import View, person_problem
from .landmarks import LANDMARK_INDEX, PoseSample, describe_dropped
from .learn import BaselineLearner
from .recording import is_recording, read_recording
from .scoring import Baseline, Score, Sensitivity, Thresholds, build_baseline, is_slumped, score

SCORED = ("upright", "slumped")
EXACT_LOO_MAX = 100
FOLDS = 10
PROTOCOLS = ("loo", "first-run", "self")
CALIBRATION_FRAMES = 20
NEUTRAL_LABELS = ("unclear",)  # may sit inside an upright run without ending it
MIN_CLIP_USABLE = 0.5  # a clip with a usable person in fewer frames has unusable framing
NO_CALIBRATION = "no upright frames to calibrate against"


@dataclass
class Item:
    file: str
    label: str
    view: str
    subject: str
    session: str
    sample: PoseSample | None
    problem: str | None = None
    t: float = 0.0
    verdict: str | None = None
    trunk_deg: float | None = None
    index: float | None = None
    calibration: bool = False  # used to calibrate (first-run protocol), not scored
    learning: bool = False  # inside the self-calibration's learning period, not scored


@dataclass
class SliceResult:
    subject: str
    session: str
    view: str
    n: int = 0
    correct: int = 0
    slumped: int = 0
    slumped_hit: int = 0
    upright: int = 0
    false_alarms: int = 0
    no_pose: int = 0
    calibration: int = 0
    learning: int = 0
    other: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "session": self.session,
            "view": self.view,
            "n": self.n,
            "accuracy": _ratio(self.correct, self.n),
            "slumped_recall": _ratio(self.slumped_hit, self.slumped),
            "false_alarm_rate": _ratio(self.false_alarms, self.upright),
            "balanced_accuracy": self.balanced_accuracy(),
            "no_pose": self.no_pose,
            "calibration_frames": self.calibration,
            "learning": self.learning,
            "other_labels": {k: dict(v) for k, v in self.other.items()},
            "notes": self.notes,
        }

    def balanced_accuracy(self) -> float | None:
        """Mean of slumped recall and upright specificity (None unless both classes were scored)."""
        if not self.slumped or not self.upright:
            return None
        recall = self.slumped_hit / self.slumped
        specificity = 1.0 - self.false_alarms / self.upright
        return round((recall + specificity) / 2, 4)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


Detector = Callable[[Path], list[tuple[float, PoseSample | None, str | None]]]


def load_items(
    path: Path, detect: Detector | None, dropped: MutableMapping[str, int] | None = None
) -> list[Item]:
    """Items from a labels CSV (``detect`` runs the pose model on each file) or a recording.

    Frames of recordings that cannot be trusted are counted in ``dropped`` (reason -> frames).
    """
    dropped = Counter() if dropped is None else dropped
    if is_recording(path):
        return _items_from_recording(path, dropped)
    try:
        # utf-8-sig: a CSV saved by Excel as "CSV UTF-8" starts with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text", "save the labels CSV as UTF-8") from err
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}", "check the path") from err
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"file", "label"} <= {f.strip() for f in reader.fieldnames}:
        raise InputError(
            f"{path} needs 'file' and 'label' columns",
            "add a header row: file,label[,view,subject,session]",
        )
    rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    missing = [row["file"] for row in rows if not (path.parent / (row["file"] or "")).is_file()]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise InputError(
            f"{path} names files that do not exist: {missing[0]}{more}",
            "paths in the CSV are relative to the CSV's folder",
        )
    items: list[Item] = []
    for row in rows:
        file = (path.parent / row["file"]).resolve()
        base: dict[str, str] = {
            "file": row["file"],
            "label": row["label"].strip().lower(),
            "view": (row.get("view") or "").strip(),
            "subject": (row.get("subject") or "").strip() or "default",
            "session": (row.get("session") or "").strip() or "default",
        }
        if is_recording(file):
            for it in _items_from_recording(file, dropped):
                items.append(_item({**base, "label": it.label or base["label"]}, it.sample, it.problem))
            continue
        if detect is None:
            raise InputError(f"{row['file']} is an image or video", "evaluate needs the pose model for it")
        results = detect(file)
        if len(results) > 1:  # a clip: judge its framing as a whole
            usable = [r for r in results if r[1] is not None]
            if len(usable) < MIN_CLIP_USABLE * len(results):
                reasons = Counter(r[2] for r in results if r[2])
                why = ", ".join(f"{k} ({v})" for k, v in reasons.most_common(2))
                problem = (
                    f"framing unusable: a usable person in {len(usable)} of {len(results)} frames; {why}"
                )
                items.append(_item(base, None, problem))
                continue
        for _, sample, why_not in results:
            items.append(_item(base, sample, why_not))
    return items


def _item(base: dict[str, str], sample: PoseSample | None, problem: str | None) -> Item:
    return Item(base["file"], base["label"], base["view"], base["subject"], base["session"], sample, problem)


def _items_from_recording(path: Path, dropped: MutableMapping[str, int]) -> list[Item]:
    """The frames of one recording as items; an :class:`InputError` if none can be scored for a
    reason the user can fix (every frame dropped, or no landmark name slumpwatch knows)."""
    items = []
    own: Counter[str] = Counter()  # this recording's dropped frames (a CSV may name several)
    names: Counter[str] = Counter()
    for frame in read_recording(path, own, timed=False):
        if frame.sample is not None:
            names.update(frame.sample.landmarks.keys())  # one count per frame, not the points
        problem = None if frame.sample is None else person_problem(frame.sample)
        items.append(
            Item(
                file=frame.info.get("file", path.name),
                label=frame.label or "",
                view=frame.info.get("view", ""),
                subject=frame.info.get("subject", path.stem),
                session=frame.info.get("session", "default"),
                sample=frame.sample if problem is None else None,
                problem=problem or (None if frame.sample else "no person"),
                t=frame.t,
            )
        )
    for reason, n in own.items():
        dropped[reason] = dropped.get(reason, 0) + n
    if own and not items:
        raise InputError(
            f"no frame of {path} can be trusted: {describe_dropped(own)}",
            "coordinates are normalised to the image (0..1) or pixels; see sample_frames/README.md",
        )
    if names and not LANDMARK_INDEX.keys() & names.keys():
        seen = ", ".join(n for n, _ in names.most_common(4))
        raise InputError(
            f"no landmark in {path} has a name slumpwatch knows (it has {seen})",
            "name them as MediaPipe does (nose, left_ear, left_shoulder, ...) or give lists of 33 or 17 rows",
        )
    return items


def _build(items: Iterable[Item]) -> Baseline | None:
    samples = [it.sample for it in items if it.sample is not None]
    try:
        return build_baseline(samples) if samples else None
    except ValueError:
        return None


def first_run(group: Sequence[Item], frames: int = CALIBRATION_FRAMES) -> list[Item]:
    """The calibration frames of the first-run protocol (see the module docstring)."""
    ups = [it for it in group if it.label == "upright" and it.sample is not None]
    cap = min(frames, max(len(ups) // 2, 1))
    chosen: list[Item] = []
    for it in group:
        if it.label == "upright" and it.sample is not None:
            chosen.append(it)
            if len(chosen) >= cap:
                break
        elif chosen and it.label not in NEUTRAL_LABELS and not (it.label == "upright" and it.sample is None):
            break
    return chosen


def calibration_sets(
    group: Sequence[Item], protocol: str = "loo", frames: int = CALIBRATION_FRAMES
) -> dict[int, tuple[Item, ...]]:
    """Per item id of one session, the upright items its baseline comes from under ``protocol``
    (``loo`` or ``first-run``; see the module docstring). Items that share a baseline share the
    tuple. First-run marks its calibration items (``calibration``): they are not scored."""
    if protocol == "first-run":
        calib = tuple(first_run(group, frames))
        for it in calib:
            it.calibration = True
        return {id(it): calib for it in group}
    ups = [it for it in group if it.label == "upright" and it.sample is not None]
    out: dict[int, tuple[Item, ...]] = {}

    def others(exclude: Iterable[Item]) -> tuple[Item, ...]:
        skip = {id(x) for x in exclude}
        return tuple(u for u in ups if id(u) not in skip)

    full = others(())
    if len(ups) <= EXACT_LOO_MAX:
        for u in ups:
            out[id(u)] = others((u,))
    else:
        for k in range(FOLDS):
            fold = ups[k::FOLDS]
            rest = others(fold)
            for u in fold:
                out[id(u)] = rest
    for it in group:
        out.setdefault(id(it), full)
    return out


def _baselines(group: Sequence[Item], protocol: str, frames: int) -> dict[int, Baseline | None]:
    """Per item id, the baseline it is scored against: each calibration set built once."""
    built: dict[int, Baseline | None] = {}
    out: dict[int, Baseline | None] = {}
    for key, calib in calibration_sets(group, protocol, frames).items():
        if id(calib) not in built:
            built[id(calib)] = _build(calib)
        out[key] = built[id(calib)]
    return out


def judge(
    items: list[Item],
    calibrated: bool,
    sensitivity: Sensitivity = Sensitivity.MEDIUM,
    protocol: str = "loo",
    calibration_frames: int = CALIBRATION_FRAMES,
) -> None:
    """Fills in each item's verdict (``slumped``/``upright``) or leaves it None (no usable pose)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}")
    th = Thresholds.for_sensitivity(sensitivity)
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for it in items:
        it.verdict, it.trunk_deg, it.index, it.calibration, it.learning = None, None, None, False, False
        groups[(it.subject, it.session)].append(it)
    for group in groups.values():
        if protocol == "self":
            _judge_self(group, th)
            continue
        baselines = _baselines(group, protocol, calibration_frames) if calibrated else {}
        for it in group:
            if it.sample is None or it.calibration:
                continue
            baseline = baselines.get(id(it)) if calibrated else None
            if calibrated and baseline is None:
                it.problem = NO_CALIBRATION
                continue
            _record(it, score(it.sample, baseline), th)


def _record(it: Item, s: Score, th: Thresholds) -> bool | None:
    """Sets the item's verdict from its score (per frame, no hysteresis), or says why there is none."""
    verdict = is_slumped(s, th)
    if verdict is None:
        it.problem = "posture not measurable (" + ", ".join(s.uncertain or ("pose",)) + ")"
        return None
    it.trunk_deg, it.index = s.trunk_deg, s.index
    it.verdict = "slumped" if verdict else "upright"
    return verdict


def _judge_self(group: Sequence[Item], th: Thresholds) -> None:
    """Self-calibration, as the monitor does it: the learner sees frames in order, labels unused."""
    learner = BaselineLearner()
    # A side camera keeps the absolute limits, as in the monitor; only front samples are learned from.
    absolute = {id(it): score(it.sample) for it in group if it.sample is not None}
    front = [it for it in group if it.sample is not None and absolute[id(it)].view is not View.SIDE]
    photos = len({it.t for it in group}) == 1 and len(group) > 1
    if photos:
        for it in front:
            assert it.sample is not None
            learner.observe(it.sample)
        learner.settle()
    slumping = False
    for it in group:
        if it.sample is None:
            continue
        if absolute[id(it)].view is View.SIDE:
            s = absolute[id(it)]
        else:
            if not photos:
                learner.observe(it.sample, slumped=slumping)
            if learner.baseline is None:
                it.learning = True
                continue
            s = score(it.sample, learner.baseline)
        verdict = _record(it, s, th)
        if verdict is not None:
            slumping = verdict


def summarise(items: Iterable[Item]) -> list[SliceResult]:
    slices: dict[tuple[str, str, str], SliceResult] = {}
    for it in items:
        key = (it.subject, it.session, it.view or "?")
        sl = slices.setdefault(key, SliceResult(*key))
        if it.label not in SCORED:
            sl.other[it.label][it.verdict or ("learning" if it.learning else "no usable pose")] += 1
            if it.problem and it.problem.startswith("framing unusable") and it.problem not in sl.notes:
                sl.notes.append(it.problem)
            continue
        if it.calibration:
            sl.calibration += 1
            continue
        if it.learning:
            sl.learning += 1
            continue
        if it.verdict is None:
            sl.no_pose += 1
            if it.problem == NO_CALIBRATION and it.problem not in sl.notes:
                sl.notes.append(it.problem)  # not a pose problem: say why
            continue
        sl.n += 1
        sl.correct += it.verdict == it.label
        if it.label == "slumped":
            sl.slumped += 1
            sl.slumped_hit += it.verdict == "slumped"
        else:
            sl.upright += 1
            sl.false_alarms += it.verdict == "slumped"
    return sorted(slices.values(), key=lambda s: (s.subject, s.session, s.view))


def overall(slices: Sequence[SliceResult]) -> SliceResult:
    total = SliceResult("all", "", "")
    for s in slices:
        names = (
            "n",
            "correct",
            "slumped",
            "slumped_hit",
            "upright",
            "false_alarms",
            "no_pose",
            "calibration",
            "learning",
        )
        for name in names:
            setattr(total, name, getattr(total, name) + getattr(s, name))
        for label, counts in s.other.items():
            total.other[label].update(counts)
    return total
