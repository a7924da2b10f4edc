"""When to warn: cooldown, escalation, snooze, quiet hours, daily cap and exercise rotation.

Pure: every call gets the time (epoch seconds) and the local wall-clock time from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from .exercises import Exercise, Trigger, suggest


@dataclass(frozen=True)
class PolicyConfig:
    cooldown_s: float = 300.0
    escalate_after_s: float = 600.0  # a slump lasting this long gets an exercise, not just a nudge
    stiffness_after: int = 6  # this many alerts in a day: suggest mobilising for stiffness
    end_of_day_after: int = 10
    daily_cap: int = 12
    quiet_start: time | None = None  # e.g. 22:00
    quiet_end: time | None = None  # e.g. 07:00


@dataclass(frozen=True)
class Alert:
    kind: str  # "nudge" or "exercise"
    title: str
    body: str
    exercise: Exercise


class AlertPolicy:
    def __init__(self, config: PolicyConfig | None = None) -> None:
        self.config = config or PolicyConfig()
        self.last_alert_at: float | None = None
        self.snoozed_until: float | None = None
        self.day: date | None = None
        self.count_today = 0
        self.last_exercise: str | None = None
        self.episode_alerts = 0

    def snooze(self, now: float, seconds: float) -> None:
        self.snoozed_until = now + seconds

    def snooze_until_tomorrow(self, now: float, local: datetime) -> None:
        midnight = datetime.combine(local.date(), time(0), local.tzinfo)
        self.snoozed_until = now + 86400 - (local - midnight).total_seconds()

    def episode_ended(self) -> None:
        """The person sat up: the next slump starts with a gentle nudge again."""
        self.episode_alerts = 0

    def decide(
        self, now: float, local: datetime, slumped_s: float, deviation_deg: float, personal: bool = True
    ) -> Alert | None:
        """``personal``: the posture is judged against the person's own upright (calibrated or
        learned), so the warning may speak of "your upright posture"."""
        c = self.config
        if self.day != local.date():
            self.day, self.count_today = local.date(), 0
        if self.snoozed_until is not None and now < self.snoozed_until:
            return None
        if self._quiet(local.time()) or self.count_today >= c.daily_cap:
            return None
        if self.last_alert_at is not None and now - self.last_alert_at < c.cooldown_s:
            return None
        if self.episode_alerts == 0 and slumped_s < c.escalate_after_s:
            trigger = Trigger.FIRST_SLUMP
        elif self.count_today >= c.end_of_day_after:
            trigger = Trigger.END_OF_DAY
        elif self.count_today >= c.stiffness_after:
            trigger = Trigger.STIFFNESS
        else:
            trigger = Trigger.LONG_SLUMP
        exercise = suggest(trigger, self.last_exercise)
        self.last_alert_at = now
        self.count_today += 1
        self.episode_alerts += 1
        self.last_exercise = exercise.key
        return render(trigger, exercise, slumped_s, deviation_deg, personal)

    def _quiet(self, t: time) -> bool:
        start, end = self.config.quiet_start, self.config.quiet_end
        if start is None or end is None:
            return False
        return start <= t < end if start <= end else (t >= start or t < end)


def _duration(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 90:
        return f"{round(seconds)} s"
    return f"{round(seconds / 60)} min"


def render(
    trigger: Trigger, exercise: Exercise, slumped_s: float, deviation_deg: float, personal: bool = True
) -> Alert:
    degrees = round(deviation_deg)
    if degrees < 1:  # the verdict came from the neck or head, not the trunk: no angle to speak of
        what = f"Slumped for {_duration(slumped_s)}."
    elif personal:
        what = f"Slumped for {_duration(slumped_s)}, {degrees} degrees forward of your upright posture."
    else:
        what = f"Slumped for {_duration(slumped_s)}, leaning {degrees} degrees forward."
    if trigger is Trigger.FIRST_SLUMP:
        body = f"{what} Sit right back in your chair so the backrest straightens your spine."
        return Alert("nudge", "Sit back in your chair", body, exercise)
    steps = " ".join(exercise.steps[:2])
    body = f"{what} Sit right back in your chair. Try: {exercise.name} ({exercise.targets}). {steps}"
    return Alert("exercise", "Time to straighten up", body, exercise)
