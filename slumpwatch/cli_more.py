"""Commands registered after the core ones (monitoring, reports, notifications)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def register(sub: Any, add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    return None
