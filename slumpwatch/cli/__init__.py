"""The command line: the only place that parses argv or writes to stdout.

One module per group of commands (``analysis``, ``calibration``, ``monitoring``, ``live``,
``log``, ``setup``), each registering its subcommands; all of them print through ``output``. Heavy modules
are imported inside the commands that use them, so ``slumpwatch --help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import SlumpwatchError
from . import analysis, calibration, live, log, monitoring, setup
from .output import err as _err
from .output import os_error as _os_error

logger = logging.getLogger("slumpwatch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slumpwatch", description="Webcam posture monitor for slumped sitting."
    )
    parser.add_argument("--version", action="version", version=f"slumpwatch {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (analysis, calibration, monitoring, live, log, setup):
        group.register(sub)
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
        logger.debug("internal error", exc_info=True)
        _err(f"internal error: {type(err).__name__}: {err} (run with -v for details and report it)")
        return 70
