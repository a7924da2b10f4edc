"""The package's shape: no import cycles, lazy heavy imports, and --help that teaches."""

from __future__ import annotations

import argparse
import ast
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import slumpwatch
from slumpwatch.cli import build_parser, main

PACKAGE = Path(slumpwatch.__file__).resolve().parent
ROOT = PACKAGE.parent
MODEL_COMMANDS = {"analyze", "evaluate", "calibrate", "run", "record"}


# ------------------------------------------------------------------ import cycles
def _module_name(path: Path, top: Path) -> str:
    parts = path.relative_to(top.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in the file (inside functions too)."""
    files = {_module_name(p, package): p for p in package.rglob("*.py")}
    top = package.name
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                names = [f"{module}.{a.name}" for a in node.names]
                targets = [n if n in files else module for n in names]
            else:
                continue
            for target in targets:
                while target and target not in files and "." in target:
                    target = target.rsplit(".", 1)[0]  # an attribute of a module, or a missing module
                if target in files and target.split(".")[0] == top and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycles_in_slumpwatch() -> None:
    graph = import_graph(PACKAGE)
    assert "slumpwatch.cli.monitoring" in graph and "slumpwatch.app" in graph["slumpwatch.cli.monitoring"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_finder_sees_a_lazy_import(tmp_path: Path) -> None:
    """A cycle closed by an import inside a function (as cli.py and cli_more.py once had) is found."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("from ..a import f\n")
    assert find_cycle(import_graph(pkg)) == ["pkg.a", "pkg.sub.b", "pkg.a"]
    (pkg / "a.py").write_text("def f():\n    pass\n")
    assert find_cycle(import_graph(pkg)) is None


# ------------------------------------------------------------------ lazy imports
HEAVY = ("cv2", "mediapipe")


def _heavy_modules_after(args: list[str]) -> list[str]:
    code = (
        "import sys\n"
        "from slumpwatch.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    assert res.returncode == 0, res.stderr
    return ast.literal_eval(res.stdout.strip().splitlines()[-1])


def test_help_and_report_do_not_import_opencv_or_mediapipe(tmp_path: Path) -> None:
    from slumpwatch.store import Span, Store

    db = tmp_path / "log.sqlite3"
    with Store(db) as s:
        s.add_spans(None, [Span("upright", 1000.0, 1060.0)])
    assert _heavy_modules_after(["--help"]) == []
    assert _heavy_modules_after(["report", "--db", str(db)]) == []
    assert _heavy_modules_after(["report", "--db", str(db), "--week", "--format", "json"]) == []


# ------------------------------------------------------------------ help that teaches
def _subcommands() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, dict(sub.choices)


def _examples(p: argparse.ArgumentParser) -> list[str]:
    lines = p.format_help().rstrip().splitlines()
    assert lines[-1].startswith("example:"), f"{p.prog} --help does not end with an example"
    return [line.removeprefix("example:").strip() for line in lines if line.startswith("example:")]


def test_every_subcommand_help_ends_with_working_examples() -> None:
    parser, commands = _subcommands()
    assert len(commands) >= 15
    for name, p in commands.items():
        examples = _examples(p)
        assert examples and all(examples), f"{name}: an empty example"
        for example in examples:
            words = shlex.split(example)
            assert words[0] == "slumpwatch" and commands[words[1]] is p, f"{name}: {example}"
            parser.parse_args(words[1:])  # parses as written (argparse exits on an error)


def test_model_only_where_a_model_runs_and_doctor_is_notify() -> None:
    _, commands = _subcommands()
    with_model = {n for n, p in commands.items() if any("--model" in a.option_strings for a in p._actions)}
    assert with_model == MODEL_COMMANDS
    assert commands["doctor"] is commands["notify"]


@pytest.mark.parametrize("command", ["replay", "run", "exercises", "config", "report", "demo"])
def test_examples_run(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The examples that need no webcam and write no file run as printed, from a clone."""
    monkeypatch.chdir(ROOT)
    if command == "report":  # a posture log to report on
        assert main(["replay", "sample_frames/front_desk.jsonl", "--log", "--quiet"]) == 0
    _, commands = _subcommands()
    for example in _examples(commands[command]):
        if "--output" in example or (command == "run" and "--source" not in example):
            continue
        assert main(shlex.split(example)[1:]) == 0, example
    assert capsys.readouterr().out
