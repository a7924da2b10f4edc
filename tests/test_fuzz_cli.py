"""CLI fuzz: every subcommand against a corpus of bad inputs, through the real CLI.

Never a traceback on stderr; a non-zero exit (with a one-line "slumpwatch: ..." message) where the
input cannot be used; every input file byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REC = ROOT / "sample_frames" / "front_desk.jsonl"


def corpus(folder: Path) -> dict[str, Path]:
    """Bad inputs by name. Recording-like ones end in .jsonl so no command needs the pose model."""
    folder.mkdir()
    files = {
        "missing": folder / "missing.jsonl",
        "folder": folder / "dir.jsonl",
        "empty": folder / "empty.jsonl",
        "random": folder / "random.jsonl",
        "latin1": folder / "latin1.jsonl",
        "bom_nan": folder / "bom_nan.jsonl",
        "nan_json": folder / "nan.jsonl",
        "huge": folder / "huge.jsonl",
        "zero_size": folder / "zero_size.jsonl",
    }
    files["folder"].mkdir()
    files["empty"].write_bytes(b"")
    files["random"].write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4000)))
    files["latin1"].write_bytes(
        '{"t": 0, "landmarks": {"nez": [0.5, 0.5]}, "label": "droit \xe9"}\n'.encode("latin-1")
    )
    files["bom_nan"].write_bytes(b'\xef\xbb\xbf{"t": NaN, "landmarks": NaN}\n')
    files["nan_json"].write_text(
        '{"t": 0, "landmarks": {"nose": [NaN, Infinity]}}\n{"t": NaN, "landmarks": null}\n'
    )
    files["huge"].write_text('{"t": 1e400, "landmarks": {"nose": [1e308, -1e308, 1e999]}, "people": 1e30}\n')
    files["zero_size"].write_text('{"t": 0, "size": [0, 0], "landmarks": {"nose": [0.5, 0.5]}}\n')
    return files


def _hashes(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def _run(home: Path, args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "SLUMPWATCH_HOME": str(home), **(env or {})}
    full.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-m", "slumpwatch", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )


def test_every_subcommand_against_bad_inputs(tmp_path: Path) -> None:
    bad = corpus(tmp_path / "corpus")
    home = tmp_path / "home"
    out = tmp_path / "out"
    out.mkdir()
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    unwritable = blocker / "out.txt"  # a path under a regular file: no one can write there
    good_db = tmp_path / "good.sqlite3"
    assert _run(home, ["replay", str(REC), "--uncalibrated", "--db", str(good_db), "--quiet"]).returncode == 0

    # (args, must fail, extra environment)
    cases: list[tuple[list[str], bool, dict[str, str]]] = []
    for name, path in bad.items():
        p = str(path)
        cases += [
            (["replay", p, "--db", str(out / f"{name}.sqlite3"), "--quiet"], True, {}),
            (["replay", str(REC), "--profile-file", p, "--quiet"], True, {}),
            (["calibrate", "--source", p, "--output", str(out / f"{name}.json"), "--quiet"], True, {}),
            # evaluate's input handling belongs to another change: here only "no traceback" is asked
            (["evaluate", p], False, {}),
            (["report", "--db", p], name != "empty", {}),
            (["export", "spans", "--db", p, "--format", "json"], name != "empty", {}),
            (["forget", "--before", "today", "--yes", "--db", p], name != "empty", {}),
            (["record", p, "--source", str(REC)], True, {}),
        ]
    # config.toml that is each bad file (or a folder)
    for name in ("folder", "random", "latin1", "huge"):
        cfg_home = tmp_path / f"cfg_{name}"
        (cfg_home / "config").mkdir(parents=True)
        target = cfg_home / "config" / "config.toml"
        if bad[name].is_dir():
            target.mkdir()
        else:
            target.write_bytes(bad[name].read_bytes())
        cases.append((["config"], True, {"SLUMPWATCH_HOME": str(cfg_home)}))
    # unwritable outputs and homes
    cases += [
        (["report", "--db", str(good_db), "--output", str(unwritable)], True, {}),
        (["report", "--db", str(good_db), "--output", str(out / "missing" / "r.txt")], True, {}),
        (["export", "spans", "--db", str(good_db), "--output", str(unwritable)], True, {}),
        (["record", str(unwritable), "--source", str(REC)], True, {}),
        (
            ["calibrate", "--source", str(REC), "--seconds", "20", "--quiet"],
            True,
            {"SLUMPWATCH_HOME": str(blocker)},
        ),
        (["replay", str(REC), "--log", "--quiet", "--uncalibrated"], True, {"SLUMPWATCH_HOME": str(blocker)}),
        (["report", "--db", str(unwritable)], True, {}),
        (["autostart", "install"], True, {"XDG_CONFIG_HOME": str(blocker)}),
        (["report", "--date", "99999-99-99", "--db", str(good_db)], True, {}),
        (["run", "--source", str(bad["random"]), "--uncalibrated", "--quiet"], True, {}),
        (["run", "--source", str(bad["folder"]), "--uncalibrated", "--quiet"], True, {}),
        (["analyze", str(bad["random"])], True, {}),
        (["exercises"], False, {}),
        (["notify", "--test"], False, {}),
        (["demo"], False, {}),
    ]
    inputs = [*bad.values(), good_db, REC, blocker]
    before = _hashes(inputs)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: (c, _run(home, c[0], c[2])), cases))
    problems = []
    for (args, must_fail, _), res in results:
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        if "Traceback" in res.stderr:
            problems.append(f"traceback: {args}\n{res.stderr}")
        elif must_fail and res.returncode == 0:
            problems.append(f"exit 0 on a bad input: {args}\n{res.stdout}")
        elif res.returncode != 0 and not any(line.startswith("slumpwatch: ") for line in lines):
            problems.append(f"exit {res.returncode} with no message: {args}\n{res.stderr}")
        elif res.returncode != 0 and any(
            not line.startswith(("slumpwatch: ", "[slumpwatch] ")) for line in lines
        ):
            problems.append(f"not one-line messages: {args}\n{res.stderr}")
    assert not problems, "\n\n".join(problems)
    assert _hashes(inputs) == before
    assert not (home / "data").exists(), "a replay without --db or --log wrote the user's posture log"


@pytest.mark.parametrize("answer, deleted", [("n\n", False), ("yes\n", True)])
def test_forget_asks_first(tmp_path: Path, answer: str, deleted: bool) -> None:
    """``forget`` asks on a terminal; the answer decides (stdin stands in for the TTY here)."""
    import io

    from slumpwatch.cli import main, output
    from slumpwatch.store import Span, Store

    db = tmp_path / "log.sqlite3"
    with Store(db) as s:
        s.add_spans(None, [Span("upright", 1000.0, 1060.0)])

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    mp = pytest.MonkeyPatch()
    mp.setattr(output.sys, "stdin", Tty(answer))
    try:
        code = main(["forget", "--before", "today", "--db", str(db)])
    finally:
        mp.undo()
    assert code == (0 if deleted else 1)
    with Store(db) as s:
        assert (s.spans(0, 2000) == []) is deleted
