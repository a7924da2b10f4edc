"""Daily slump reports: pure reductions over spans, plus text/JSON/CSV/HTML renderers.

Days are local calendar days in the given time zone; spans crossing midnight are split.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from .store import AlertRecord, Span

PRESENT = ("upright", "slumped", "uncalibrated", "learning")
STATES = ("upright", "slumped", "away", "uncalibrated", "learning", "paused")
DOUBTFUL_MIN_S = 300.0  # a doubtful learned posture this long (and a quarter of it) earns the advice
DOUBTFUL_ADVICE = (
    "slumpwatch learned your upright posture without seeing you sit clearly more upright: if you "
    "were slumped then, run `slumpwatch calibrate`"
)


@dataclass
class DayReport:
    day: str
    monitored_s: float = 0.0
    present_s: float = 0.0
    slumped_s: float = 0.0
    slumped_share: float | None = None
    episodes: int = 0
    longest_episode_s: float = 0.0
    mean_deviation_deg: float | None = None
    worst_deviation_deg: float | None = None
    alerts: int = 0
    exercises: dict[str, int] = field(default_factory=dict)
    hours: list[dict[str, float]] = field(default_factory=list)  # 24 x {state: seconds}
    spans: list[tuple[str, float, float]] = field(default_factory=list)  # (state, start, end) clipped
    # Present time by what the posture was judged against (store.BASES; "unknown" for old logs).
    judged_s: dict[str, float] = field(default_factory=dict)
    advice: list[str] = field(default_factory=list)


def day_bounds(day: date, tz: tzinfo) -> tuple[float, float]:
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = start + timedelta(days=1)
    return start.timestamp(), end.timestamp()


def reduce_day(day: date, tz: tzinfo, spans: Sequence[Span], alerts: Sequence[AlertRecord]) -> DayReport:
    lo, hi = day_bounds(day, tz)
    rep = DayReport(day.isoformat())
    rep.hours = [dict.fromkeys(STATES, 0.0) for _ in range(24)]
    dev_weighted = dev_time = 0.0
    episode = 0.0
    prev_end: float | None = None
    covered = lo  # time already counted: overlapping sessions (two monitors) never count twice
    for s in sorted(spans, key=lambda x: x.start):
        a, b = max(s.start, covered), min(s.end, hi)
        if b <= a:
            continue
        covered = b
        length = b - a
        rep.spans.append((s.state, a, b))
        if s.state != "paused":
            rep.monitored_s += length
        if s.state in PRESENT:
            rep.present_s += length
            basis = s.basis or "unknown"
            rep.judged_s[basis] = rep.judged_s.get(basis, 0.0) + length
        if s.state == "slumped":
            rep.slumped_s += length
            contiguous = prev_end is not None and abs(prev_end - a) < 1e-6 and episode > 0
            episode = episode + length if contiguous else length
            if not contiguous:
                rep.episodes += 1
            rep.longest_episode_s = max(rep.longest_episode_s, episode)
        else:
            episode = 0.0
        if s.state in ("upright", "slumped") and s.mean_dev is not None:
            dev_weighted += s.mean_dev * length
            dev_time += length
            if s.max_dev is not None:
                worst = rep.worst_deviation_deg
                rep.worst_deviation_deg = s.max_dev if worst is None else max(worst, s.max_dev)
        prev_end = b
        _spread_hours(rep.hours, s.state, a, b, day, tz)
    rep.mean_deviation_deg = dev_weighted / dev_time if dev_time else None
    rep.slumped_share = rep.slumped_s / rep.present_s if rep.present_s else None
    day_alerts = [x for x in alerts if lo <= x.t < hi]
    rep.alerts = len(day_alerts)
    rep.exercises = dict(Counter(x.exercise for x in day_alerts if x.exercise))
    doubtful, learned = rep.judged_s.get("doubtful", 0.0), rep.judged_s.get("learned", 0.0)
    if doubtful >= DOUBTFUL_MIN_S and doubtful >= 0.25 * (doubtful + learned):
        rep.advice.append(DOUBTFUL_ADVICE)
    return rep


def _spread_hours(
    hours: list[dict[str, float]], state: str, a: float, b: float, day: date, tz: tzinfo
) -> None:
    lo, _ = day_bounds(day, tz)
    t = a
    while t < b:
        local = datetime.fromtimestamp(t, tz)
        hour_start = datetime(local.year, local.month, local.day, local.hour, tzinfo=tz).timestamp()
        nxt = min(b, hour_start + 3600)
        index = min(max(int((hour_start - lo) // 3600), 0), 23)
        hours[index][state] += nxt - t
        t = nxt


def reduce_week(
    end_day: date, tz: tzinfo, spans: Sequence[Span], alerts: Sequence[AlertRecord]
) -> list[DayReport]:
    return [reduce_day(end_day - timedelta(days=6 - i), tz, spans, alerts) for i in range(7)]


# ------------------------------------------------------------------ renderers
def _dur(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def _deg(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}°"


def render_text(rep: DayReport) -> str:
    lines = [
        f"Posture report for {rep.day}",
        f"  monitored        {_dur(rep.monitored_s)}",
        f"  present          {_dur(rep.present_s)}",
        f"  slumped          {_dur(rep.slumped_s)} ({_pct(rep.slumped_share)} of present time)",
        f"  slump episodes   {rep.episodes} (longest {_dur(rep.longest_episode_s)})",
        f"  deviation        average {_deg(rep.mean_deviation_deg)}, "
        f"worst {_deg(rep.worst_deviation_deg)} from upright",
        f"  alerts sent      {rep.alerts}",
    ]
    if rep.exercises:
        lines.append("  exercises        " + ", ".join(f"{k} x{v}" for k, v in sorted(rep.exercises.items())))
    if rep.judged_s:
        judged = sorted(rep.judged_s.items(), key=lambda kv: -kv[1])
        lines.append("  judged against   " + ", ".join(f"{basis_name(k)} {_dur(v)}" for k, v in judged))
    lines += [f"  note             {a}" for a in rep.advice]
    lines.append("  hour  " + "timeline (# slumped, = upright, . away, ~ uncalibrated or learning)")
    for h, bucket in enumerate(rep.hours):
        total = sum(bucket[s] for s in STATES if s != "paused")
        if total <= 0:
            continue
        bar = "".join(
            ch * round(bucket[s] / 3600 * 30)
            for s, ch in (
                ("slumped", "#"),
                ("upright", "="),
                ("uncalibrated", "~"),
                ("learning", "~"),
                ("away", "."),
            )
        )
        lines.append(f"  {h:02d}:00 {bar:30s} {_pct(bucket['slumped'] / total)} slumped")
    return "\n".join(lines)


_BASIS_NAMES = {
    "calibrated": "your calibration",
    "learned": "learned posture",
    "doubtful": "learned posture (doubtful)",
    "learning": "still learning",
    "absolute": "absolute limits (side)",
    "uncalibrated": "nothing (uncalibrated front camera)",
    "unknown": "not recorded",
}


def basis_name(key: str) -> str:
    """What a span's basis means, for people."""
    return _BASIS_NAMES.get(key, key)


def render_week_text(days: Sequence[DayReport]) -> str:
    lines = ["Posture, last 7 days", "  day         present     slumped   share"]
    for d in days:
        bar = "#" * round((d.slumped_share or 0) * 20)
        lines.append(
            f"  {d.day}  {_dur(d.present_s):>10s}  {_dur(d.slumped_s):>10s}  "
            f"{_pct(d.slumped_share):>5s} {bar}"
        )
    return "\n".join(lines)


def to_json(days: Sequence[DayReport]) -> str:
    return json.dumps([asdict(d) for d in days], indent=2)


CSV_FIELDS = (
    "day",
    "monitored_s",
    "present_s",
    "slumped_s",
    "slumped_share",
    "episodes",
    "longest_episode_s",
    "mean_deviation_deg",
    "worst_deviation_deg",
    "alerts",
)
CSV_BASES = ("calibrated", "learned", "doubtful", "learning", "absolute", "uncalibrated")


def to_csv(days: Sequence[DayReport]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CSV_FIELDS, *(f"judged_{b}_s" for b in CSV_BASES)])
    for d in days:
        w.writerow([*(getattr(d, f) for f in CSV_FIELDS), *(d.judged_s.get(b, 0.0) for b in CSV_BASES)])
    return buf.getvalue()
