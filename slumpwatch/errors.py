"""The one exception family slumpwatch raises; the CLI turns each into a one-line error."""

from __future__ import annotations


class SlumpwatchError(Exception):
    """Base class. ``str(err)`` is a complete sentence; ``hint`` says what to do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def one_line(self) -> str:
        text = str(self)
        return f"{text} ({self.hint})" if self.hint else text


class InputError(SlumpwatchError):
    """A path, image, video or recording that cannot be used."""

    exit_code = 2


class CameraError(SlumpwatchError):
    """The camera is missing, busy or stopped delivering frames."""

    exit_code = 3


class CameraBusyError(CameraError):
    """Another program holds the camera (a video call): monitoring pauses and retries quietly."""


class ModelError(SlumpwatchError):
    """The pose model file is missing or cannot be loaded."""

    exit_code = 4


class ProfileError(SlumpwatchError):
    """A calibration profile is missing, broken, or calibration was refused."""

    exit_code = 5


class ConfigError(SlumpwatchError):
    """A configuration value is invalid."""

    exit_code = 6


class StoreError(SlumpwatchError):
    """The posture log database is locked, corrupt or from a newer version."""

    exit_code = 7


class StoreBusyError(StoreError):
    """The posture log cannot be written just now (locked, disk full); writes may succeed later."""


class LeaseError(SlumpwatchError):
    """Another slumpwatch is already monitoring into the same posture log."""

    exit_code = 8


class ControlError(SlumpwatchError):
    """No running monitor answers live control, or it refused the request."""

    exit_code = 9


class TrayError(SlumpwatchError):
    """The tray icon cannot be shown (pystray missing, no desktop session)."""

    exit_code = 10
