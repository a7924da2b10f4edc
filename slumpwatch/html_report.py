"""The HTML report: one self-contained file, charts as inline SVG made with matplotlib."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from .report import DayReport, _deg, _dur, _pct, basis_name

COLOURS = {
    "upright": "#3a9d5d",
    "slumped": "#d9534f",
    "away": "#c8c8c8",
    "uncalibrated": "#f0ad4e",
    "learning": "#9bc4e2",
    "paused": "#ffffff",
}


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _charts(rep: DayReport, week: Sequence[DayReport], tz: tzinfo) -> list[tuple[str, str]]:
    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, faster import

    matplotlib.rcParams["svg.hashsalt"] = "slumpwatch"

    def subplots(size: tuple[float, float]) -> tuple[Any, Any]:
        fig = Figure(figsize=size)
        return fig, fig.subplots()

    charts = []
    fig, ax = subplots((9, 1.4))
    day_start = datetime.fromisoformat(rep.day).replace(tzinfo=tz).timestamp()
    by_state: dict[str, list[tuple[float, float]]] = {}
    for state, a, b in rep.spans:  # one artist per state, not per span: a day can hold thousands
        by_state.setdefault(state, []).append(((a - day_start) / 3600, (b - a) / 3600))
    for state, bars in by_state.items():
        ax.broken_barh(bars, (-0.4, 0.8), facecolors=COLOURS[state], edgecolors="none", linewidth=0)
    # Zoom to the monitored hours so short spans stay visible.
    first = min((a for _, a, _ in rep.spans), default=day_start)
    last = max((b for _, _, b in rep.spans), default=day_start + 86400)
    lo = max(int((first - day_start) // 3600), 0)
    hi = min(int(-(-(last - day_start) // 3600)), 24)
    hi = max(hi, lo + 1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.set_xticks(range(lo, hi + 1, max((hi - lo) // 12, 1)))
    ax.set_xlabel("hour of day")
    ax.set_title("Day timeline (green upright, red slumped, grey away, orange uncalibrated, blue learning)")
    charts.append(("timeline", _svg(fig)))

    fig, ax = subplots((9, 2.4))
    shares = []
    for bucket in rep.hours:
        present = bucket["upright"] + bucket["slumped"] + bucket["uncalibrated"] + bucket["learning"]
        shares.append(100 * bucket["slumped"] / present if present else 0)
    ax.bar(range(24), shares, color=COLOURS["slumped"])
    ax.set_xlim(-0.5, 23.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% slumped")
    ax.set_xlabel("hour of day")
    ax.set_title("Slump share per hour")
    charts.append(("hourly", _svg(fig)))

    fig, ax = subplots((9, 2.4))
    ax.plot(
        [d.day[5:] for d in week],
        [100 * (d.slumped_share or 0) for d in week],
        marker="o",
        color=COLOURS["slumped"],
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel("% slumped")
    ax.set_title("Last 7 days")
    charts.append(("trend", _svg(fig)))
    return charts


def render_html(rep: DayReport, week: Sequence[DayReport], tz: tzinfo) -> str:
    rows = [
        ("Time monitored", _dur(rep.monitored_s)),
        ("Time present", _dur(rep.present_s)),
        ("Time slumped", f"{_dur(rep.slumped_s)} ({_pct(rep.slumped_share)} of present time)"),
        ("Slump episodes", f"{rep.episodes} (longest {_dur(rep.longest_episode_s)})"),
        (
            "Deviation from upright",
            f"average {_deg(rep.mean_deviation_deg)}, worst {_deg(rep.worst_deviation_deg)}",
        ),
        ("Alerts sent", str(rep.alerts)),
        ("Exercises suggested", ", ".join(f"{k} x{v}" for k, v in sorted(rep.exercises.items())) or "none"),
    ]
    if rep.judged_s:
        judged = sorted(rep.judged_s.items(), key=lambda kv: -kv[1])
        rows.append(("Judged against", ", ".join(f"{basis_name(k)} {_dur(v)}" for k, v in judged)))
    rows += [("Note", a) for a in rep.advice]
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    charts = "\n".join(
        f'<figure class="chart" id="{cid}">{svg}</figure>' for cid, svg in _charts(rep, week, tz)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>slumpwatch report {html.escape(rep.day)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
th {{ text-align: left; padding: .3rem 1.5rem .3rem 0; font-weight: 600; }}
figure {{ margin: 1rem 0; }} svg {{ max-width: 100%; height: auto; }}
</style></head>
<body>
<h1>Posture report for {html.escape(rep.day)}</h1>
<table>{table}</table>
{charts}
<p>Slumped sitting is the main cause of mid-back pain: sit right back in your chair, and mobilise
stiff joints before working the muscles.</p>
</body></html>
"""
