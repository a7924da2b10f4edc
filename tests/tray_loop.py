"""pystray's dummy backend with an event loop that runs until ``stop()``, as a real backend does.

Used by the tray tests in-process and, through ``python -m tests.tray_loop ARGS``, as a
``slumpwatch`` command line whose tray icon needs no display.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any


def looping_icon(pystray: Any) -> Any:
    class Icon(pystray.Icon):  # type: ignore[misc, name-defined]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.stopped = threading.Event()
            self.images: list[Any] = []

        def _run(self) -> None:
            self._mark_ready()
            while not self.stopped.wait(0.05):
                pass

        def _stop(self) -> None:
            self.stopped.set()

        def _show(self) -> None: ...
        def _hide(self) -> None: ...
        def _update_menu(self) -> None: ...
        def _update_title(self) -> None: ...

        def _update_icon(self) -> None:
            self.images.append(self.icon)

    return Icon


if __name__ == "__main__":
    os.environ["PYSTRAY_BACKEND"] = "dummy"
    import pystray

    pystray.Icon = looping_icon(pystray)
    from slumpwatch.cli import main

    sys.exit(main(sys.argv[1:]))
