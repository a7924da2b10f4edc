"""Building subcommands: each with its help, its examples, and ``--model`` only where a model runs."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Config

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

Command = Callable[[argparse.Namespace], int]


def command(
    sub: Subparsers, name: str, func: Command, model: bool = False, aliases: tuple[str, ...] = ()
) -> argparse.ArgumentParser:
    """A subcommand described by ``func``'s docstring: its first line is the help, and its
    "example:" lines end ``--help``."""
    lines = inspect.cleandoc(func.__doc__ or name).splitlines()
    p = sub.add_parser(
        name,
        aliases=list(aliases),
        help=lines[0],
        description=lines[0],
        epilog="\n".join(line for line in lines if line.startswith("example:")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if model:
        p.add_argument(
            "--model", help="a pose_landmarker_{lite,full,heavy}.task file instead of the bundled one"
        )
    p.set_defaults(func=func)
    return p


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text[:-1]) * (60 if text.endswith("m") else 1) if text[-1] in "sm" else float(text)
    except (ValueError, IndexError) as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30s or 2m") from error
    if value <= 0:
        raise argparse.ArgumentTypeError("the interval must be positive")
    return value


def config_from(args: argparse.Namespace) -> tuple[Config, dict[str, str]]:
    """The effective config, with the command's ``--profile``, ``--sensitivity``, ``--camera``, ``--db``."""
    from ..app import load_config

    return load_config({k: getattr(args, k, None) for k in ("profile", "sensitivity", "camera", "db")})
