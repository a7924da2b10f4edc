"""Daily slump reports: pure reductions over spans, plus text/JSON/CSV renderers (HTML: html_report).

Days are local calendar days in the given time zone; spans crossing midnight are split. Every
renderer takes its figures from :func:`headline`, so text, JSON, CSV and HTML agree.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from .notify.exercises import BY_KEY, CATALOG, Exercise
from .store import AlertRecord, Span

PRESENT = ("upright", "slumped", "uncalibrated", "learning")
STATES = ("upright", "slumped", "away", "uncalibrated", "learning", "paused")
DOUBTFUL_MIN_S = 300.0  # a doubtful learned posture this long (and a quarter of it) earns the advice
DOUBTFUL_ADVICE = (
    "slumpwatch learned your upright posture without seeing you sit clearly more upright: if you "
    "were slumped then, run `slumpwatch calibrate`"
)
# A good day: at least this much present time, and a posture score of at least GOOD_SCORE.
GOOD_SCORE = 80
GOOD_MIN_PRESENT_S = 15 * 60
SCORE_MEANS = "100 x the share of present time not slumped"
GOOD_MEANS = f"score {GOOD_SCORE} or more with at least {GOOD_MIN_PRESENT_S // 60} min at the desk"
STREAK_MEANS = "good days in a row within the last 7 days; days without data are skipped"
EMPTY_HINT = (
    "Calibrate once with `slumpwatch calibrate` (sit upright for a few seconds), then start "
    "monitoring with `slumpwatch run`; this report fills in as you work."
)
MEANINGS = (
    ("posture score", f"{SCORE_MEANS}, 0 to 100; a good day is {GOOD_MEANS}"),
    ("present time", "time you were at the desk in view of the camera (monitored time minus away)"),
    ("slumped share", "slumped time as a share of present time"),
    ("slump episode", "an unbroken stretch of slumped time; 'longest' is the longest one"),
    ("previous days", "the slumped share over the earlier days of the last 7 that have data"),
    ("streak", STREAK_MEANS),
    ("deviation", "how far forward of your upright posture you sat, weighted by time"),
    ("judged against", "what each minute was compared with: your calibration, a learned posture, ..."),
)


@dataclass
class Warning:
    at: str  # local HH:MM
    kind: str  # "nudge" or "exercise"
    exercise: str | None


@dataclass
class Episode:
    start: str  # local HH:MM
    end: str
    seconds: float
    warnings: list[Warning] = field(default_factory=list)  # sent during the episode


@dataclass
class DayReport:
    day: str
    monitored_s: float = 0.0
    present_s: float = 0.0
    slumped_s: float = 0.0
    slumped_share: float | None = None
    score: int | None = None  # 100 x (1 - slumped_share), rounded; None without present time
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
    episode_list: list[Episode] = field(default_factory=list)
    alert_list: list[Warning] = field(default_factory=list)
    # Filled by reduce_week from the earlier days of the window.
    previous_share: float | None = None
    previous_days: int = 0
    streak: int = 0

    @property
    def empty(self) -> bool:
        return self.present_s <= 0

    @property
    def good(self) -> bool:
        return self.score is not None and self.score >= GOOD_SCORE and self.present_s >= GOOD_MIN_PRESENT_S


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
    episodes: list[list[float]] = []
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
            if contiguous:
                episodes[-1][1] = b
            else:
                rep.episodes += 1
                episodes.append([a, b])
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
    rep.score = None if rep.slumped_share is None else round(100 * (1 - rep.slumped_share))
    day_alerts = sorted((x for x in alerts if lo <= x.t < hi), key=lambda x: x.t)
    rep.alerts = len(day_alerts)
    rep.exercises = dict(Counter(x.exercise for x in day_alerts if x.exercise))
    warnings = [(x.t, Warning(_clock(x.t, tz), x.kind, x.exercise)) for x in day_alerts]
    rep.alert_list = [w for _, w in warnings]
    for a, b in episodes:
        during = [w for t, w in warnings if a <= t <= b + 1]
        rep.episode_list.append(Episode(_clock(a, tz), _clock(b, tz), b - a, during))
    doubtful, learned = rep.judged_s.get("doubtful", 0.0), rep.judged_s.get("learned", 0.0)
    if doubtful >= DOUBTFUL_MIN_S and doubtful >= 0.25 * (doubtful + learned):
        rep.advice.append(DOUBTFUL_ADVICE)
    return rep


def _clock(t: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(t, tz).strftime("%H:%M")


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
    """Seven days ending on ``end_day``, each compared with the earlier days of the window."""
    days = [reduce_day(end_day - timedelta(days=6 - i), tz, spans, alerts) for i in range(7)]
    for i, rep in enumerate(days):
        earlier = [d for d in days[:i] if not d.empty]
        present = sum(d.present_s for d in earlier)
        rep.previous_days = len(earlier)
        rep.previous_share = sum(d.slumped_s for d in earlier) / present if present else None
        for d in reversed(days[: i + 1]):
            if d.empty:
                continue
            if not d.good:
                break
            rep.streak += 1
    return days


def present_of(bucket: dict[str, float]) -> float:
    return sum(bucket[s] for s in PRESENT)


def worst_hours(days: Sequence[DayReport], n: int = 3, min_present_s: float = 600) -> list[tuple[int, float]]:
    """The hours of the day with the highest slumped share across ``days`` (hour, share)."""
    shares = []
    for h in range(24):
        present = sum(present_of(d.hours[h]) for d in days if d.hours)
        if present >= min_present_s:
            shares.append((h, sum(d.hours[h]["slumped"] for d in days if d.hours) / present))
    return sorted(shares, key=lambda hs: (-hs[1], hs[0]))[:n]


@dataclass(frozen=True)
class WeekSummary:
    first: str
    last: str
    days_with_data: int
    present_s: float
    slumped_s: float
    slumped_share: float | None
    score: int | None
    episodes: int
    alerts: int
    good_days: int
    exercises: dict[str, int]


def summarise_week(days: Sequence[DayReport]) -> WeekSummary:
    present = sum(d.present_s for d in days)
    slumped = sum(d.slumped_s for d in days)
    share = slumped / present if present else None
    exercises: Counter[str] = Counter()
    for d in days:
        exercises.update(d.exercises)
    return WeekSummary(
        days[0].day,
        days[-1].day,
        sum(not d.empty for d in days),
        present,
        slumped,
        share,
        None if share is None else round(100 * (1 - share)),
        sum(d.episodes for d in days),
        sum(d.alerts for d in days),
        sum(d.good for d in days),
        dict(exercises),
    )


# ------------------------------------------------------------------ wording shared by the renderers
def fmt_duration(seconds: float) -> str:
    minutes = max(round(seconds / 60), 0)
    if minutes == 0 and seconds > 0:
        return f"{max(round(seconds), 1)} s"
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def fmt_pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def fmt_deg(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}°"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def fmt_score(score: int | None) -> str:
    return "-" if score is None else f"{score}/100"


def fmt_share(v: float | None) -> str:
    return "-" if v is None else f"{fmt_pct(v)} of present time"


def fmt_previous(rep: DayReport) -> str:
    if rep.previous_share is None:
        return "no earlier day with data in the last 7"
    days = plural(rep.previous_days, "earlier day")
    text = f"{fmt_share(rep.previous_share)} over {days}"
    if rep.slumped_share is None:
        return text
    points = round(100 * (rep.previous_share - rep.slumped_share))
    if points == 0:
        return f"{text} (about the same)"
    better = "better" if points > 0 else "worse"
    return f"{text} ({plural(abs(points), 'point')} {better})"


def fmt_episodes(rep: DayReport) -> str:
    if rep.episodes == 0:
        return "0 episodes"
    return f"{plural(rep.episodes, 'episode')} (longest {fmt_duration(rep.longest_episode_s)})"


def fmt_exercises(exercises: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(exercises.items())) or "none"


def fmt_warning(w: Warning) -> str:
    """What one warning suggested, for people."""
    ex = BY_KEY.get(w.exercise) if w.exercise else None
    name = ex.name if ex else (w.exercise or "-")
    return f"{'exercise' if w.kind == 'exercise' else 'nudge'}: {name}"


def exercise_of_the_day(rep: DayReport) -> Exercise:
    """The exercise suggested most today beyond sitting back, else one from the guide by date."""
    for key, _ in Counter(rep.exercises).most_common():
        if key != "sit-back" and key in BY_KEY:
            return BY_KEY[key]
    pool = [e for e in CATALOG if e.key != "sit-back"]
    return pool[date.fromisoformat(rep.day).toordinal() % len(pool)]


def headline(rep: DayReport) -> list[tuple[str, str]]:
    """The day's figures as (label, value) for every renderer."""
    rows = [
        ("posture score", fmt_score(rep.score)),
        ("monitored", fmt_duration(rep.monitored_s)),
        ("present", fmt_duration(rep.present_s)),
        ("slumped", f"{fmt_duration(rep.slumped_s)} ({fmt_share(rep.slumped_share)})"),
        ("previous days", fmt_previous(rep)),
        ("good-day streak", plural(rep.streak, "day")),
        ("slump episodes", fmt_episodes(rep)),
        ("deviation", f"average {fmt_deg(rep.mean_deviation_deg)}, worst {fmt_deg(rep.worst_deviation_deg)}"),
        ("warnings sent", plural(rep.alerts, "warning")),
        ("exercises", fmt_exercises(rep.exercises)),
    ]
    if rep.judged_s:
        judged = sorted(rep.judged_s.items(), key=lambda kv: -kv[1])
        rows.append(("judged against", ", ".join(f"{basis_name(k)} {fmt_duration(v)}" for k, v in judged)))
    return rows


def hour_share(bucket: dict[str, float]) -> float | None:
    present = present_of(bucket)
    return bucket["slumped"] / present if present else None


def render_text(rep: DayReport) -> str:
    lines = [f"Posture report for {rep.day}"]
    if rep.empty:
        lines += [f"  no posture data for {rep.day} yet.", f"  {EMPTY_HINT}"]
        return "\n".join(lines)
    lines += [f"  {label:16s} {value}" for label, value in headline(rep)]
    lines += [f"  note             {a}" for a in rep.advice]
    lines.append(f"  exercise of day  {exercise_of_the_day(rep).name}")
    for e in rep.episode_list:
        said = "; ".join(fmt_warning(w) for w in e.warnings)
        lines.append(
            f"  episode          {e.start}-{e.end} {fmt_duration(e.seconds)}" + (f", {said}" if said else "")
        )
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
        share = hour_share(bucket)
        label = "away all hour" if share is None else f"{fmt_pct(share)} of present time slumped"
        lines.append(f"  {h:02d}:00 {bar:30s} {label}")
    lines.append(f"  (score: {SCORE_MEANS}; a good day: {GOOD_MEANS})")
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
    week = summarise_week(days)
    lines = [f"Posture, last 7 days ({week.first} to {week.last})"]
    if week.days_with_data == 0:
        lines += ["  no posture data in these 7 days yet.", f"  {EMPTY_HINT}"]
        return "\n".join(lines)
    lines += [
        f"  posture score    {fmt_score(week.score)} over {plural(week.days_with_data, 'day')} with data",
        f"  slumped          {fmt_duration(week.slumped_s)} ({fmt_share(week.slumped_share)})",
        f"  good days        {week.good_days} ({GOOD_MEANS})",
        f"  slump episodes   {week.episodes}",
        f"  warnings sent    {plural(week.alerts, 'warning')}",
        f"  exercises        {fmt_exercises(week.exercises)}",
    ]
    worst = worst_hours(days)
    if worst:
        lines.append(
            "  worst hours      " + ", ".join(f"{h:02d}:00 {fmt_share(s)} slumped" for h, s in worst)
        )
    lines.append("  day         score   present     slumped   share of present time")
    for d in days:
        if d.empty:
            lines.append(f"  {d.day}  no data")
            continue
        bar = "#" * round((d.slumped_share or 0) * 20)
        lines.append(
            f"  {d.day}  {fmt_score(d.score):>7s} {fmt_duration(d.present_s):>10s}  "
            f"{fmt_duration(d.slumped_s):>10s}  {fmt_pct(d.slumped_share):>5s} {bar}"
        )
    return "\n".join(lines)


def to_json(days: Sequence[DayReport]) -> str:
    return json.dumps([{**asdict(d), "good": d.good} for d in days], indent=2)


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
    "score",  # new columns go last: scripts reading by position keep working
    "previous_share",
    "streak",
)
CSV_BASES = ("calibrated", "learned", "doubtful", "learning", "absolute", "uncalibrated")


def to_csv(days: Sequence[DayReport]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CSV_FIELDS, *(f"judged_{b}_s" for b in CSV_BASES)])
    for d in days:
        w.writerow([*(getattr(d, f) for f in CSV_FIELDS), *(d.judged_s.get(b, 0.0) for b in CSV_BASES)])
    return buf.getvalue()
