"""``report``, ``export`` and ``forget``: reading and tidying the posture log."""

from __future__ import annotations

import argparse
import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .args import command, config_from
from .output import ask, interactive, raw, write_output
from .output import out as _out

if TYPE_CHECKING:
    from .args import Subparsers


def _parse_day(text: str) -> date:
    today = datetime.now().astimezone().date()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise InputError(f"unknown date {text!r}", "use YYYY-MM-DD, today or yesterday") from err


def cmd_report(args: argparse.Namespace) -> int:
    """The day's posture report (or --week).

    example: slumpwatch report --week
    example: slumpwatch report --format html --output today.html
    """
    from ..app import local_tz, open_log
    from ..report import day_bounds, reduce_week, render_text, render_week_text, to_csv, to_json

    cfg, _ = config_from(args)
    day = _parse_day(args.date)
    tz = local_tz()
    with open_log(cfg, create=False) as store:
        lo, _ = day_bounds(day - timedelta(days=6), tz)
        _, hi = day_bounds(day, tz)
        spans, alerts = store.spans(lo, hi), store.alerts(lo, hi)
    week = reduce_week(day, tz, spans, alerts)
    rep = week[-1]
    days = week if args.week else [rep]
    if args.format == "html":
        from ..html_report import render_html, render_week_html

        text = render_week_html(week) if args.week else render_html(rep, week, tz)
    elif args.format == "json":
        text = to_json(days)
    elif args.format == "csv":
        text = to_csv(days)
    else:
        text = render_week_text(week) if args.week else render_text(rep)
    if args.output:
        write_output(Path(args.output), text)
        _out(f"wrote {args.output}")
    else:
        _out(text)
    return 0


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: such values (from logs written before the input checks) are null."""
    return value if not isinstance(value, float) or math.isfinite(value) else None


def cmd_export(args: argparse.Namespace) -> int:
    """Write spans or alerts as CSV or JSON.

    example: slumpwatch export spans --format json --output spans.json
    """
    import csv
    import dataclasses
    import io

    from ..app import open_log
    from ..store import AlertRecord, Span

    cfg, _ = config_from(args)
    kind: type = Span if args.what == "spans" else AlertRecord
    with open_log(cfg, create=False) as store:
        records = store.spans(0, 1e12) if kind is Span else store.alerts(0, 1e12)
    rows = [{k: _finite(v) for k, v in dataclasses.asdict(r).items()} for r in records]
    if args.format == "json":
        text = json.dumps(rows, indent=2, allow_nan=False)
    else:
        buf = io.StringIO()
        fields = [f.name for f in dataclasses.fields(kind)]
        w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        text = buf.getvalue()
    if args.output:
        write_output(Path(args.output), text)
    else:
        raw(text)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    """Delete posture data before a date.

    example: slumpwatch forget --before 2026-01-01
    """
    from ..app import local_tz, open_log
    from ..report import day_bounds

    cfg, _ = config_from(args)
    day = _parse_day(args.before)
    t, _ = day_bounds(day, local_tz())
    with open_log(cfg, create=False) as store:
        if not args.yes:
            n = len(store.spans(0, t))
            question = f"delete {n} spans and their alerts before {day.isoformat()} from {store.path}?"
            if not interactive():
                raise InputError(f"not deleting: {question}", "pass --yes to confirm without a terminal")
            if not ask(question):
                _out("nothing deleted")
                return 1
        spans, alerts = store.forget_before(t)
    _out(f"deleted {spans} spans and {alerts} alerts before {day.isoformat()}")
    return 0


def register(sub: Subparsers) -> None:
    p = command(sub, "report", cmd_report)
    p.add_argument("--date", default="today", help="YYYY-MM-DD, today or yesterday")
    p.add_argument("--week", action="store_true", help="7-day trend ending on --date")
    p.add_argument("--format", choices=["text", "json", "csv", "html"], default="text")
    p.add_argument("--output", help="write to a file")
    p.add_argument("--db")

    p = command(sub, "export", cmd_export)
    p.add_argument("what", choices=["spans", "alerts"])
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--output")
    p.add_argument("--db")

    p = command(sub, "forget", cmd_forget)
    p.add_argument("--before", required=True, help="YYYY-MM-DD")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--db")
