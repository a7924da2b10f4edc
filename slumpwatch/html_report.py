"""The HTML reports (day and week): one self-contained page each, one inline stylesheet (light and
dark), charts as inline SVG made with matplotlib. Every figure comes from :mod:`slumpwatch.report`,
worded by the same functions as the text report."""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from .notify.exercises import BY_KEY
from .report import (
    EMPTY_HINT,
    GOOD_MEANS,
    MEANINGS,
    PRESENT,
    SCORE_MEANS,
    DayReport,
    exercise_of_the_day,
    fmt_duration,
    fmt_episodes,
    fmt_exercises,
    fmt_pct,
    fmt_previous,
    fmt_score,
    fmt_share,
    fmt_warning,
    headline,
    hour_share,
    plural,
    present_of,
    summarise_week,
    worst_hours,
)

COLOURS = {
    "upright": "#3a9d5d",
    "slumped": "#d9534f",
    "away": "#a9aeb8",
    "uncalibrated": "#f0ad4e",
    "learning": "#6fa8dc",
    "paused": "#ffffff00",
}
LEGEND = (
    ("upright", "upright"),
    ("slumped", "slumped"),
    ("away", "away"),
    ("learning", "learning or uncalibrated"),
)
INK = "#7b8494"  # chart text and axes: readable on the light and the dark background
NO_DATA = "no data"
NO_WARNING = "no warning (too short, or within the cooldown)"

STYLE = """
:root { color-scheme: light dark; --bg: #f6f5f2; --card: #fff; --ink: #1d2433; --muted: #5d6678;
  --line: #e2e0da; --slumped: #d9534f; --upright: #3a9d5d; --away: #a9aeb8; --learning: #6fa8dc;
  --accent: #2f6fb0; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --card: #1d2129; --ink: #e7e9ee;
  --muted: #a0a8b6; --line: #2f3541; --accent: #7fb0e6; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
header p { margin: .2rem 0 0; color: var(--muted); }
h1 { font-size: 1.7rem; margin: 0; line-height: 1.2; }
h2 { font-size: 1.15rem; margin: 0 0 .6rem; }
section, .card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; }
section { padding: 1rem 1.1rem; margin-top: 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem;
  margin-top: 1.2rem; }
.card { padding: .8rem 1rem; }
.card .k { color: var(--muted); font-size: .85rem; }
.card .v { font-size: 1.6rem; font-weight: 700; line-height: 1.2; }
.card .s { color: var(--muted); font-size: .85rem; }
.card.score .v { font-size: 2.6rem; color: var(--accent); }
.card .v small { font-size: .45em; font-weight: 600; color: var(--muted); }
figure { margin: .4rem 0 0; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .85rem; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1rem; font-size: .85rem; color: var(--muted);
  margin: 0; padding: 0; list-style: none; }
.legend li::before { content: ""; display: inline-block; width: .8em; height: .8em; border-radius: 3px;
  margin-right: .35em; vertical-align: -.05em; background: var(--c); }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .35rem .6rem .35rem 0; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
ol { padding-left: 1.3rem; margin: .4rem 0 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; color: var(--muted); }
code { background: var(--bg); border: 1px solid var(--line); border-radius: 5px; padding: 0 .3em; }
.empty { font-size: 1.05rem; }
.note { border-left: 4px solid var(--slumped); padding-left: .8rem; }
@media (max-width: 34rem) { body { font-size: 15px; } dl { grid-template-columns: 1fr; }
  .card .v { font-size: 1.35rem; } .card.score .v { font-size: 2.1rem; }
  figure { overflow-x: auto; } figure svg { min-width: 30rem; } }
"""


# ------------------------------------------------------------------ charts
def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None}, transparent=True)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    if "<metadata>" in text:  # matplotlib's RDF block: only namespaces, no use on a page
        text = text[: text.index("<metadata>")] + text[text.index("</metadata>") + len("</metadata>") :]
    return text


def _figure(size: tuple[float, float]) -> tuple[Any, Any]:
    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, faster import

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "slumpwatch",
            "svg.fonttype": "none",  # text stays text: small, selectable, in the page's font
            "font.family": "sans-serif",
            "font.size": 11,
            "text.color": INK,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
        }
    )
    fig = Figure(figsize=size)
    ax = fig.subplots()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _day_start(rep: DayReport, tz: tzinfo) -> float:
    return datetime.fromisoformat(rep.day).replace(tzinfo=tz).timestamp()


def desk_hours(rep: DayReport, tz: tzinfo) -> tuple[int, int]:
    """The hours of the day from the first to the last present span (at least one hour)."""
    start = _day_start(rep, tz)
    present = [(a, b) for state, a, b in rep.spans if state in PRESENT] or [(a, b) for _, a, b in rep.spans]
    if not present:
        return 8, 18
    lo = max(int((min(a for a, _ in present) - start) // 3600), 0)
    hi = min(math.ceil((max(b for _, b in present) - start) / 3600), 24)
    return lo, max(hi, lo + 1)


def _hour_ticks(ax: Any, lo: int, hi: int) -> None:
    step = 1 if hi - lo <= 12 else 2
    ax.set_xticks(range(lo, hi + 1, step))
    ax.set_xticklabels([f"{h % 24:02d}:00" for h in range(lo, hi + 1, step)])
    if hi - lo <= 4:
        ax.set_xticks([h + q / 4 for h in range(lo, hi) for q in (1, 2, 3)], minor=True)


def timeline_chart(rep: DayReport, tz: tzinfo) -> str:
    fig, ax = _figure((7.5, 1.3))
    start = _day_start(rep, tz)
    lo, hi = desk_hours(rep, tz)
    by_state: dict[str, list[tuple[float, float]]] = {}
    for state, a, b in rep.spans:  # one artist per state, not per span: a day can hold thousands
        if state != "paused":
            colour = "learning" if state == "uncalibrated" else state
            by_state.setdefault(colour, []).append(((a - start) / 3600, (b - a) / 3600))
    for state, bars in by_state.items():
        ax.broken_barh(bars, (-0.4, 0.8), facecolors=COLOURS[state], edgecolors="none", linewidth=0)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    _hour_ticks(ax, lo, hi)
    return _svg(fig)


def hourly_chart(rep: DayReport, tz: tzinfo) -> str:
    fig, ax = _figure((7.5, 2.0))
    lo, hi = desk_hours(rep, tz)
    hours = [h for h in range(lo, hi) if hour_share(rep.hours[h]) is not None]
    ax.bar(
        [h + 0.5 for h in hours],
        [100 * (hour_share(rep.hours[h]) or 0.0) for h in hours],
        width=0.8,
        color=COLOURS["slumped"],
    )
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of present time")
    _hour_ticks(ax, lo, hi)
    return _svg(fig)


def trend_points(days: Sequence[DayReport]) -> list[float | None]:
    """The slumped share per day in percent; None (a gap, never 0) for a day without data."""
    return [None if d.slumped_share is None else 100 * d.slumped_share for d in days]


def trend_chart(days: Sequence[DayReport]) -> str:
    fig, ax = _figure((7.5, 2.2))
    points = trend_points(days)
    xs = range(len(days))
    ax.plot(xs, [math.nan if p is None else p for p in points], marker="o", color=COLOURS["slumped"])
    for x, p in zip(xs, points, strict=True):
        if p is None:
            ax.text(x, 50, NO_DATA, ha="center", va="center", fontsize=9, rotation=90)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([_weekday(d.day) for d in days])
    ax.set_xlim(-0.5, len(days) - 0.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% slumped")
    return _svg(fig)


def minutes_chart(days: Sequence[DayReport]) -> str:
    fig, ax = _figure((7.5, 2.6))
    xs = list(range(len(days)))
    bottom = [0.0] * len(days)
    layers = (
        ("slumped", ("slumped",)),
        ("upright", ("upright",)),
        ("learning", ("learning", "uncalibrated")),
        ("away", ("away",)),
    )
    for colour, states in layers:
        values = [sum(h[s] for h in d.hours for s in states) / 60 for d in days]
        ax.bar(xs, values, bottom=bottom, color=COLOURS[colour], width=0.65, label=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    top = max(bottom) or 60.0
    for x, d in zip(xs, days, strict=True):
        if d.monitored_s <= 0:
            ax.text(x, top / 2, NO_DATA, ha="center", va="center", fontsize=9, rotation=90)
    ax.set_xticks(xs)
    ax.set_xticklabels([_weekday(d.day) for d in days])
    ax.set_ylim(0, top * 1.05)
    ax.set_ylabel("minutes")
    return _svg(fig)


def worst_hours_chart(days: Sequence[DayReport]) -> str:
    fig, ax = _figure((7.5, 2.0))
    hours = []
    for h in range(24):
        present = sum(present_of(d.hours[h]) for d in days)
        if present > 0:
            hours.append((h, 100 * sum(d.hours[h]["slumped"] for d in days) / present))
    worst = {h for h, _ in worst_hours(days)}
    ax.bar(
        [h + 0.5 for h, _ in hours],
        [s for _, s in hours],
        width=0.8,
        color=[COLOURS["slumped"] if h in worst else COLOURS["away"] for h, _ in hours],
    )
    lo = min((h for h, _ in hours), default=8)
    hi = max((h + 1 for h, _ in hours), default=18)
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of present time")
    _hour_ticks(ax, lo, hi)
    return _svg(fig)


def _weekday(day: str) -> str:
    return date.fromisoformat(day).strftime("%a %d")


# ------------------------------------------------------------------ page parts
def _e(text: object) -> str:
    return html.escape(str(text))


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{_e(title)}</title>
<style>{STYLE}</style></head>
<body><main>
{body}
</main></body></html>
"""


def _card(key: str, value: str, sub: str = "", cls: str = "") -> str:
    extra = f' class="card {cls}"' if cls else ' class="card"'
    shown = _e(value)
    if value.endswith("/100"):  # the score: "56/100" with a small "/100"
        shown = f"{_e(value[:-4])}<small>/100</small>"
    return (
        f'<div{extra}><div class="k">{_e(key)}</div><div class="v">{shown}</div>'
        f'<div class="s">{_e(sub)}</div></div>'
    )


def _chart(cid: str, title: str, svg: str, caption: str = "", legend: bool = False) -> str:
    keys = "".join(f'<li style="--c:{COLOURS[k]}">{_e(name)}</li>' for k, name in LEGEND) if legend else ""
    leg = f'<ul class="legend">{keys}</ul>' if legend else ""
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f'<section><h2>{_e(title)}</h2>{leg}<figure class="chart" id="{cid}">{svg}{cap}</figure></section>'


def _empty(what: str) -> str:
    return (
        f'<section class="empty"><h2>No posture data for {_e(what)} yet</h2>'
        f"<p>{_e(EMPTY_HINT)}</p><ol><li><code>slumpwatch calibrate</code></li>"
        "<li><code>slumpwatch run</code></li><li><code>slumpwatch report --format html --output report.html"
        "</code></li></ol></section>"
    )


def _meanings() -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in MEANINGS)
    return f"<section><h2>What the numbers mean</h2><dl>{rows}</dl></section>"


def _exercise(rep: DayReport) -> str:
    ex = exercise_of_the_day(rep)
    steps = "".join(f"<li>{_e(s)}</li>" for s in ex.steps)
    return (
        f'<section id="exercise"><h2>Exercise of the day: {_e(ex.name)}</h2>'
        f"<p>{_e(ex.targets)}.</p><ol>{steps}</ol>"
        "<p><small>From a physiotherapist's guide to mid-back pain: mobilise stiff joints first; "
        "muscles won't relax until the joints move. Sit right back in your chair.</small></p></section>"
    )


def _episodes(rep: DayReport) -> str:
    if not rep.episode_list:
        return "<section><h2>Slump episodes</h2><p>No slump episode today.</p></section>"
    rows = "".join(
        f'<tr><td>{_e(e.start)}–{_e(e.end)}</td><td class="n">{_e(fmt_duration(e.seconds))}</td>'
        f"<td>{_e('; '.join(fmt_warning(w) for w in e.warnings) or NO_WARNING)}</td></tr>"
        for e in rep.episode_list
    )
    return (
        f'<section id="episodes"><h2>Slump episodes ({_e(fmt_episodes(rep))})</h2><table>'
        f'<tr><th>time</th><th class="n">length</th><th>what was suggested</th></tr>{rows}</table></section>'
    )


def _details(rep: DayReport) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in headline(rep))
    notes = "".join(f'<p class="note">{_e(a)}</p>' for a in rep.advice)
    return f'<section id="figures"><h2>All figures</h2>{notes}<table>{rows}</table></section>'


def render_html(rep: DayReport, week: Sequence[DayReport], tz: tzinfo) -> str:
    """The day page; ``week`` ends with ``rep`` (reduce_week) and gives the comparison."""
    when = date.fromisoformat(rep.day).strftime("%A %d %B %Y")
    head = f"<header><h1>Posture report</h1><p>{_e(when)}</p></header>"
    if rep.empty:
        body = head + _empty(rep.day) + _exercise(rep)
        if any(not d.empty for d in week):
            body += _chart(
                "trend", "Last 7 days: slumped share", trend_chart(week), "gaps are days without data"
            )
        return _page(f"slumpwatch report {rep.day}", body + _meanings())
    cards = "".join(
        [
            _card("posture score", fmt_score(rep.score), SCORE_MEANS, "score"),
            _card("slumped", fmt_pct(rep.slumped_share), f"of present time ({fmt_duration(rep.slumped_s)})"),
            _card("slump episodes", str(rep.episodes), f"longest {fmt_duration(rep.longest_episode_s)}"),
            _card("previous days", fmt_pct(rep.previous_share), fmt_previous(rep)),
            _card("good-day streak", plural(rep.streak, "day"), GOOD_MEANS),
            _card(
                "at the desk", fmt_duration(rep.present_s), f"of {fmt_duration(rep.monitored_s)} monitored"
            ),
        ]
    )
    lo, hi = desk_hours(rep, tz)
    body = "".join(
        [
            head,
            f'<div class="cards">{cards}</div>',
            _chart(
                "timeline",
                f"Your day at the desk, {lo:02d}:00 to {hi % 24:02d}:00",
                timeline_chart(rep, tz),
                legend=True,
            ),
            _chart(
                "hourly",
                "Slumped share per hour",
                hourly_chart(rep, tz),
                "% of that hour's present time; hours away have no bar",
            ),
            _episodes(rep),
            _exercise(rep),
            _chart("trend", "Last 7 days: slumped share", trend_chart(week), "gaps are days without data"),
            _details(rep),
            _meanings(),
        ]
    )
    return _page(f"slumpwatch report {rep.day}", body)


def render_week_html(days: Sequence[DayReport]) -> str:
    """The week page: a bar per day, the trend with gaps, the worst hours, the exercises."""
    week = summarise_week(days)
    title = f"Posture, {week.first} to {week.last}"
    head = f"<header><h1>Posture this week</h1><p>{_e(week.first)} to {_e(week.last)}</p></header>"
    if week.days_with_data == 0:
        return _page(title, head + _empty("these 7 days") + _meanings())
    cards = "".join(
        [
            _card("posture score", fmt_score(week.score), SCORE_MEANS, "score"),
            _card(
                "slumped", fmt_pct(week.slumped_share), f"of present time ({fmt_duration(week.slumped_s)})"
            ),
            _card("days with data", str(week.days_with_data), f"{plural(week.good_days, 'good day')}"),
            _card("slump episodes", str(week.episodes), plural(week.alerts, "warning") + " sent"),
        ]
    )
    worst = worst_hours(days)
    worst_text = ", ".join(f"{h:02d}:00 ({fmt_share(s)} slumped)" for h, s in worst) or "not enough data"
    ex_rows = "".join(
        f'<tr><td>{_e(BY_KEY[k].name if k in BY_KEY else k)}</td><td class="n">{v}</td>'
        f"<td>{_e(BY_KEY[k].targets if k in BY_KEY else '')}</td></tr>"
        for k, v in sorted(week.exercises.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    exercises = (
        f'<table><tr><th>exercise</th><th class="n">times</th><th>what it does</th></tr>{ex_rows}</table>'
        if ex_rows
        else "<p>No exercise was suggested this week.</p>"
    )
    day_rows = "".join(
        f'<tr><td>{_e(_weekday(d.day))}</td><td colspan="5">{NO_DATA}</td></tr>'
        if d.empty
        else f'<tr><td>{_e(_weekday(d.day))}</td><td class="n">{_e(fmt_score(d.score))}</td>'
        f'<td class="n">{_e(fmt_duration(d.present_s))}</td><td class="n">{_e(fmt_pct(d.slumped_share))}</td>'
        f'<td class="n">{d.episodes}</td><td>{_e(fmt_exercises(d.exercises))}</td></tr>'
        for d in days
    )
    body = "".join(
        [
            head,
            f'<div class="cards">{cards}</div>',
            _chart(
                "minutes", "Minutes per day", minutes_chart(days), "days without data are marked", legend=True
            ),
            _chart(
                "trend",
                "Slumped share per day",
                trend_chart(days),
                "% of present time; gaps are days without data",
            ),
            _chart(
                "worst-hours",
                "Worst hours of the day",
                worst_hours_chart(days),
                f"across the week: {worst_text}",
            ),
            f'<section id="exercises"><h2>Exercises suggested ({_e(fmt_exercises(week.exercises))})</h2>'
            f"{exercises}</section>",
            '<section id="days"><h2>Day by day</h2><table><tr><th>day</th><th class="n">score</th>'
            '<th class="n">present</th><th class="n">slumped share</th><th class="n">episodes</th>'
            f"<th>exercises</th></tr>{day_rows}</table></section>",
            _meanings(),
        ]
    )
    return _page(title, body)
