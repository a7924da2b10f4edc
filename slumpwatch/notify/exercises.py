"""The exercise catalog, from a physiotherapist's guide to mid-back pain.

Stiff joints are mobilised first (extension and rotation), because muscles will not relax while
the joints they guard are stiff; muscle work comes after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Trigger(str, Enum):
    FIRST_SLUMP = "first slump of a stretch: sit right back in the chair"
    LONG_SLUMP = "long or repeated slumps: spinal extension"
    STIFFNESS = "stiffness after many slumps in a day: mobilise the joints"
    END_OF_DAY = "after a long day: work the mid-back muscles"


@dataclass(frozen=True)
class Exercise:
    key: str
    name: str
    targets: str
    steps: tuple[str, ...]
    trigger: Trigger


CATALOG: tuple[Exercise, ...] = (
    Exercise(
        "sit-back",
        "Sit right back in your chair",
        "prevention: a straight spine against the backrest (and don't work in bed)",
        (
            "Slide your hips all the way back until they touch the backrest.",
            "Let the backrest support your lower and mid back; bring the screen to you, not you to it.",
            "Keep work out of bed: lying or propped up there rounds the mid back for hours.",
        ),
        Trigger.FIRST_SLUMP,
    ),
    Exercise(
        "puppy-pose",
        "Puppy Pose thoracic stretch",
        "extends the mid back against slumped sitting (a Downward-Dog variant)",
        (
            "Kneel on all fours, knees under hips.",
            "Walk your hands forward and lower your chest towards the floor, hips stay over the knees.",
            "Rest forehead or chin down and breathe into the upper back for 30 seconds.",
            "Walk the hands back and repeat 3 times.",
        ),
        Trigger.LONG_SLUMP,
    ),
    Exercise(
        "mini-cobra",
        "Modified active Mini Cobra",
        "extension plus rotation of the lower mid back",
        (
            "Lie on your front, hands under your shoulders, elbows bent.",
            "Lift your chest gently onto your forearms.",
            "Swing both lower legs together side to side, letting the lower mid back rotate.",
            "Do 10 swings each side, then rest.",
        ),
        Trigger.LONG_SLUMP,
    ),
    Exercise(
        "bretzel",
        "Bretzel stretch",
        "rotation that mobilises the lower mid back's spinal and rib joints",
        (
            "Lie on your side, top knee bent up to hip height and held down with the lower hand.",
            "Grab the bottom foot behind you with the top hand.",
            "Rotate your top shoulder back towards the floor and breathe for 30-60 seconds.",
            "Change sides.",
        ),
        Trigger.STIFFNESS,
    ),
    Exercise(
        "towel-extension",
        "Rolled-towel extension",
        "stubborn stiffness: gravity extends the spine",
        (
            "Roll a towel tightly and lay it across the floor.",
            "Lie back over it so it sits under your mid back, hands behind the head.",
            "Relax for 1-2 minutes and let gravity extend the spine; move it a few centimetres and repeat.",
        ),
        Trigger.STIFFNESS,
    ),
    Exercise(
        "tennis-ball",
        "Tennis-ball release",
        "tight muscles beside the spine",
        (
            "Put a tennis ball between the wall and the muscles beside your spine (never on the spine).",
            "Bend and straighten your knees to roll it slowly up and down for a minute.",
            "Move to the other side.",
        ),
        Trigger.END_OF_DAY,
    ),
    Exercise(
        "bird-dog",
        "Bird Dog",
        "strengthens the mid-back muscles and flushes the erector spinae",
        (
            "Kneel on all fours with a flat back.",
            "Reach one arm forward and the opposite leg back, level with your body.",
            "Hold 5 seconds, return, switch sides; 8 each side.",
        ),
        Trigger.END_OF_DAY,
    ),
)

BY_KEY = {e.key: e for e in CATALOG}


def suggest(trigger: Trigger, last_key: str | None, catalog: Sequence[Exercise] = CATALOG) -> Exercise:
    """An exercise for ``trigger``, never the same one twice in a row when there is a choice."""
    pool = [e for e in catalog if e.trigger is trigger] or list(catalog)
    if last_key is not None and len(pool) > 1:
        keys = [e.key for e in pool]
        if last_key in keys:
            return pool[(keys.index(last_key) + 1) % len(pool)]
        return next(e for e in pool if e.key != last_key)
    return pool[0]


def as_html(catalog: Sequence[Exercise] = CATALOG) -> str:
    """The catalog as a small HTML page (the tray's "Exercises", a notification's "Show exercise")."""
    from html import escape

    parts = ["<!doctype html><meta charset=utf-8><title>slumpwatch exercises</title><h1>Exercises</h1>"]
    for e in catalog:
        steps = "".join(f"<li>{escape(s)}</li>" for s in e.steps)
        parts.append(f"<h2>{escape(e.name)}</h2><p>{escape(e.targets)}</p><ol>{steps}</ol>")
    return "\n".join(parts)
