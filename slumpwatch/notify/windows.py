"""Windows: toast notifications through plyer (its win32 backend)."""

from __future__ import annotations

NAME = "plyer-windows"


def available() -> str | None:
    try:
        import plyer  # noqa: F401
    except ImportError:
        return "plyer is not installed"
    return None


def send(title: str, body: str, timeout_s: float) -> None:
    from plyer import notification

    notification.notify(title=title, message=body, app_name="slumpwatch", timeout=int(timeout_s))
