"""Layered configuration: defaults in code -> ``config.toml`` in the config dir -> CLI flags.

Validated into a frozen dataclass; an invalid value is a :class:`ConfigError` naming the key and
its allowed range.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Config:
    profile: str = "default"
    sensitivity: str = "medium"
    camera: int = 0
    db: str = ""
    onset_s: float = 20.0
    recover_s: float = 5.0
    away_s: float = 5.0
    cooldown_s: float = 300.0
    escalate_after_s: float = 600.0
    daily_cap: int = 12
    quiet_hours: str = ""
    steady_fps: float = 0.4
    alert_fps: float = 1.0
    away_fps: float = 0.2
    notify_timeout_s: float = 3.0
    bell: bool = False
    # Motion gate (``motion.py``): reuse the last pose while the picture differs from the last frame
    # the model saw by less than this (mean grey levels of a 32x24 thumbnail; 0 turns it off) ...
    motion_threshold: float = 6.0
    # ... and the model last ran less than this long ago (seconds; 0 turns it off).
    motion_max_age_s: float = 15.0


RANGES: dict[str, tuple[float, float]] = {
    "camera": (0, 63),
    "onset_s": (0, 3600),
    "recover_s": (0, 600),
    "away_s": (0, 3600),
    "cooldown_s": (0, 86400),
    "escalate_after_s": (0, 86400),
    "daily_cap": (0, 1000),
    "steady_fps": (0.01, 30),
    "alert_fps": (0.01, 30),
    "away_fps": (0.01, 30),
    "notify_timeout_s": (0.1, 60),
    "motion_threshold": (0, 255),
    "motion_max_age_s": (0, 3600),
}
CHOICES = {"sensitivity": ("low", "medium", "high")}


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    if not text:
        return None
    try:
        a, b = text.split("-")
        return time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError as err:
        raise ConfigError(
            f"quiet_hours {text!r} is not HH:MM-HH:MM", 'e.g. quiet_hours = "22:00-07:00"'
        ) from err


def validate(values: dict[str, Any], where: str) -> dict[str, Any]:
    known = {f.name: f for f in fields(Config)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown key {key!r} in {where}", "see `slumpwatch config` for the keys")
        default = getattr(Config(), key)
        kind = type(default)
        if kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{key} in {where} must be true or false")
        elif kind in (int, float):
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (kind is int and not isinstance(value, int))
            ):
                raise ConfigError(
                    f"{key} in {where} must be a number", f"range {RANGES[key][0]:g} to {RANGES[key][1]:g}"
                )
            lo, hi = RANGES[key]
            if not lo <= value <= hi:
                raise ConfigError(f"{key} = {value} in {where} is out of range", f"allowed {lo:g} to {hi:g}")
            value = kind(value)
        elif not isinstance(value, str):
            raise ConfigError(f"{key} in {where} must be a string")
        if key in CHOICES and value not in CHOICES[key]:
            raise ConfigError(f"{key} = {value!r} in {where} is invalid", "one of " + ", ".join(CHOICES[key]))
        if key == "quiet_hours":
            parse_quiet_hours(value)
        out[key] = value
    return out


def load(path: Path, overrides: dict[str, Any] | None = None) -> tuple[Config, dict[str, str]]:
    """The effective config and, per key, where its value came from."""
    sources = {f.name: "default" for f in fields(Config)}
    cfg = Config()
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as err:
            raise ConfigError(f"{path} is not UTF-8 text", "re-save it as UTF-8, or delete it") from err
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"{path} is not valid TOML ({err})", "fix or delete the file") from err
        except OSError as err:
            raise ConfigError(
                f"cannot read {path}: {err.strerror}", "it must be a readable file; fix or remove it"
            ) from err
        values = validate(data, str(path))
        cfg = replace(cfg, **values)
        sources.update(dict.fromkeys(values, str(path)))
    if overrides:
        values = validate({k: v for k, v in overrides.items() if v is not None}, "command line")
        cfg = replace(cfg, **values)
        sources.update(dict.fromkeys(values, "command line"))
    return cfg, sources
