"""Converts four public posture-landmark CSVs into slumpwatch landmark recordings, for evaluation.

These are the stand-ins for "everyone else" that ``tools/choose_constants.py`` and the README's
"Measured" use beside ``../shared/recordings``: webcam landmarks of other people and cameras, with
their authors' posture labels. The CSVs carry no licence, so neither they nor the recordings made
from them belong in this repository: fetch each file at the commit below, put it in one folder
under the name given, and convert into a folder outside the checkout:

    python tools/convert_public_csvs.py RAW_DIR OUT_DIR [alanfufuu atharva vuha koch]

Each recording follows ``sample_frames/README.md``: a header, then one frame per CSV row in the
CSV's order, ``t`` = row / 10 s (no timing was recorded), image landmarks only and no ``size`` (the
resolution is unknown). ``good``/``0`` is ``upright`` and ``bad``/``1`` is ``slumped``. Where the
rows are one continuous webcam stream whose label was switched live with a key, the 10 rows from
each change on are ``unclear`` (the key was still being pressed); rows saved one per key press or
click are snapshots and keep their labels.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from slumpwatch.recording import COCO_NAMES, FORMAT, VERSION

UNCLEAR_ROWS = 10
LABELS = {"good": "upright", "bad": "slumped", "0": "upright", "1": "slumped"}
HEAD_AND_SHOULDERS = COCO_NAMES[:7]  # nose, eyes, ears, shoulders

Row = tuple[dict[str, list[float]], str]  # (landmarks, the CSV's label)


@dataclass(frozen=True)
class Source:
    name: str
    origin: str  # repository, path and commit
    file: str  # the CSV's name in RAW_DIR
    rows: Callable[[Path], list[Row]]
    stream: bool  # one continuous stream, the label switched live: rows after a change are unclear
    sessions: Callable[[int], str] = lambda _row: "s1"  # the session of the n-th data row


def _num(text: str) -> float:
    value = round(float(text), 5)
    return 0.0 if value == 0 else value


def _alanfufuu(path: Path) -> list[Row]:
    # nose_x, nose_y, l_shoulder_x, ..., r_ear_y, class: x and y only.
    names = {"nose": "nose", "l_shoulder": "left_shoulder", "r_shoulder": "right_shoulder"}
    names |= {"l_ear": "left_ear", "r_ear": "right_ear"}
    with path.open(newline="") as f:
        return [
            ({mp: [_num(r[f"{k}_x"]), _num(r[f"{k}_y"])] for k, mp in names.items()}, r["class"])
            for r in csv.DictReader(f)
        ]


def _atharva(path: Path) -> list[Row]:
    # label, v1..v16: x, y, z, visibility of MediaPipe landmarks 0, 7, 11 and 12.
    order = ("nose", "left_ear", "left_shoulder", "right_shoulder")
    out: list[Row] = []
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            v = [_num(r[f"v{i}"]) for i in range(1, 17)]
            out.append(({n: v[4 * k : 4 * k + 4] for k, n in enumerate(order)}, r["label"]))
    return out


def _vuha(path: Path) -> list[Row]:
    # No header. MoveNet: 7 x (x, y, score) for HEAD_AND_SHOULDERS, 5 derived features, the label.
    out: list[Row] = []
    with path.open(newline="") as f:
        for r in csv.reader(f):
            if len(r) != 27:
                raise ValueError(f"{path}: a row of {len(r)} fields, not 27")
            points = {
                n: [_num(r[3 * k]), _num(r[3 * k + 1]), 0.0, _num(r[3 * k + 2])]
                for k, n in enumerate(HEAD_AND_SHOULDERS)
            }
            out.append((points, r[-1]))
    return out


def _koch(path: Path) -> list[Row]:
    # <point>_x, _y, _z for HEAD_AND_SHOULDERS, label 0/1; a mirrored preview.
    with path.open(newline="") as f:
        return [
            (
                {n: [_num(r[f"{n}_x"]), _num(r[f"{n}_y"]), _num(r[f"{n}_z"])] for n in HEAD_AND_SHOULDERS},
                r["label"],
            )
            for r in csv.DictReader(f)
        ]


KOCH_FIRST_SESSION_ROWS = 3015  # the rows also in src/collection/data/posture_data.csv @ 8da3b2b

SOURCES = {
    s.name: s
    for s in (
        Source("alanfufuu", "alanfufuu/postureAI posture_data.csv @ 32c12ae", "alan.csv", _alanfufuu, True),
        Source(
            "atharva",
            "ATHARVA-JADHAV-AJ/PostureGuardAI posture_dataset.csv @ b567eba",
            "atharva.csv",
            _atharva,
            False,
        ),
        Source(
            "vuha",
            "vuhamthieu/smart-posture-assistant data/posture_data.csv @ 1bc4825 (MoveNet)",
            "vuha.csv",
            _vuha,
            False,
        ),
        Source(
            "koch",
            "kochamkotkiic/posture_analysis data/posture_data.csv @ 0510f8d",
            "koch.csv",
            _koch,
            True,
            lambda n: "s1" if n < KOCH_FIRST_SESSION_ROWS else "s2",
        ),
    )
}


def mark_unclear(labels: Sequence[str], rows: int = UNCLEAR_ROWS) -> list[str]:
    """``labels`` with the ``rows`` labels from each change on set to ``unclear``."""
    out = list(labels)
    for i in range(1, len(labels)):
        if labels[i] != labels[i - 1]:
            out[i : i + rows] = ["unclear"] * len(out[i : i + rows])
    return out


def frames(source: Source, rows: Sequence[Row]) -> list[dict[str, object]]:
    """The recording's frames: labels mapped, per session in time order from t = 0."""
    by_session: dict[str, list[Row]] = {}
    for n, row in enumerate(rows):
        by_session.setdefault(source.sessions(n), []).append(row)
    out: list[dict[str, object]] = []
    for session, group in by_session.items():
        labels = [LABELS.get(label.strip().lower(), label.strip()) for _, label in group]
        if source.stream:
            labels = mark_unclear(labels)
        out += [
            {
                "t": round(i / 10, 1),
                "landmarks": points,
                "label": label,
                "subject": source.name,
                "session": session,
            }
            for i, ((points, _), label) in enumerate(zip(group, labels, strict=True))
        ]
    return out


def write(path: Path, source: Source, lines: Iterable[dict[str, object]]) -> None:
    header = {"format": FORMAT, "version": VERSION, "model": "", "source": source.origin}
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header) + "\n")
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "raw", type=Path, help="folder with the CSVs (alan.csv, atharva.csv, vuha.csv, koch.csv)"
    )
    parser.add_argument("out", type=Path, help="folder for the recordings (outside the checkout)")
    parser.add_argument("names", nargs="*", help=f"which of {', '.join(SOURCES)} (default: all)")
    args = parser.parse_args(argv)
    if unknown := [n for n in args.names if n not in SOURCES]:
        parser.error(f"unknown source {unknown[0]!r}: choose from {', '.join(SOURCES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or list(SOURCES):
        source = SOURCES[name]
        csv_path = args.raw / source.file
        if not csv_path.is_file():
            print(f"{name}: {csv_path} not found, skipped")
            continue
        converted = frames(source, source.rows(csv_path))
        write(args.out / f"{name}.jsonl", source, converted)
        counts: dict[str, int] = {}
        for fr in converted:
            key = f"{fr['session']}/{fr['label']}"
            counts[key] = counts.get(key, 0) + 1
        print(f"{name}: {len(converted)} frames {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
