"""Where slumpwatch keeps its files: the platform's config and data directories.

``SLUMPWATCH_HOME`` overrides both (tests, portable installs): config in ``$SLUMPWATCH_HOME/config``,
data in ``$SLUMPWATCH_HOME/data``.
"""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    home = os.environ.get("SLUMPWATCH_HOME")
    if home:
        return Path(home) / "config"
    from platformdirs import user_config_dir

    return Path(user_config_dir("slumpwatch", appauthor=False))


def data_dir() -> Path:
    home = os.environ.get("SLUMPWATCH_HOME")
    if home:
        return Path(home) / "data"
    from platformdirs import user_data_dir

    return Path(user_data_dir("slumpwatch", appauthor=False))


def profile_path(name: str) -> Path:
    return config_dir() / "profiles" / f"{name}.json"


LEARNED_PREFIX = "auto-"


def learned_profile_path(camera: int) -> Path:
    """Where the upright baseline learned for webcam ``camera`` is kept (never a calibrated profile)."""
    return config_dir() / "profiles" / f"{LEARNED_PREFIX}camera{camera}.json"


def default_db() -> Path:
    return data_dir() / "posture.sqlite3"


def config_file() -> Path:
    return config_dir() / "config.toml"
