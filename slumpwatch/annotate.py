"""Draws what was measured onto a copy of a frame (``analyze --annotate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .geometry import Geometry
from .landmarks import SKELETON, PoseSample


def draw(frame: np.ndarray, sample: PoseSample | None, geo: Geometry | None, note: str = "") -> np.ndarray:
    import cv2

    out = frame.copy()
    h, w = out.shape[:2]
    scale = max(min(h, w) / 480.0, 0.4)
    if sample is not None:
        pts: dict[str, tuple[int, int]] = {}
        for name, p in sample.landmarks.items():
            if p.confidence >= 0.5:
                pts[name] = (int(p.x * w), int(p.y * h))
        for a, b in SKELETON:
            if a in pts and b in pts:
                cv2.line(out, pts[a], pts[b], (80, 220, 80), max(int(2 * scale), 1), cv2.LINE_AA)
        for xy in pts.values():
            cv2.circle(out, xy, max(int(3 * scale), 2), (0, 200, 255), -1, cv2.LINE_AA)
    lines = [note] if note else []
    if geo is not None:
        lines.append(f"view {geo.view.value}")
        lines.append("trunk " + ("-" if geo.trunk_deg is None else f"{geo.trunk_deg:+.1f} deg"))
        lines.append("neck " + ("-" if geo.neck_deg is None else f"{geo.neck_deg:+.1f} deg"))
    _text(out, lines, cv2)
    return out


TEXT_HEIGHT = 0.035  # of the image's shorter side


def _text(img: np.ndarray, lines: list[str], cv2: Any) -> None:
    """White text with a black outline (reads on a white wall and on a dark room), its height a
    fixed share of the image, whatever the resolution."""
    h, w = img.shape[:2]
    height = max(int(TEXT_HEIGHT * min(h, w)), 10)
    fill = max(height // 12, 1)
    r = max(height // 10, 2)  # the outline's width: the text drawn in black, shifted all around
    ring = [(dx, dy) for dx in (-r, 0, r) for dy in (-r, 0, r) if dx or dy]
    font = cv2.FONT_HERSHEY_SIMPLEX
    size = cv2.getFontScaleFromHeight(font, height, fill)
    x, y = height // 2, int(height * 1.5)
    for line in lines:
        for dx, dy in ring:
            cv2.putText(img, line, (x + dx, y + dy), font, size, (0, 0, 0), fill + 1, cv2.LINE_AA)
        cv2.putText(img, line, (x, y), font, size, (255, 255, 255), fill, cv2.LINE_AA)
        y += int(height * 1.6)


def save_new(folder: Path, stem: str, image: np.ndarray) -> Path:
    """Writes ``image`` as ``STEM.annotated.jpg`` in ``folder`` without ever replacing a file:
    an existing name (an input photo, an earlier run) gets ``-2``, ``-3``... instead."""
    import cv2

    ok, data = cv2.imencode(".jpg", image)
    if not ok:
        raise OSError(f"cannot encode an annotated copy of {stem}")
    for n in range(1, 10_000):
        path = folder / f"{stem}.annotated{'' if n == 1 else f'-{n}'}.jpg"
        try:
            with path.open("xb") as f:  # exclusive: fails if the file exists
                f.write(data.tobytes())
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"too many annotated copies of {stem} in {folder}")
