"""The README's report pictures: the demo's day and week pages in headless Chromium.

    python tools/report_screenshots.py            # writes docs/report-day.png, docs/report-week.png

Each page is shot at a laptop width, cropped below its last content and scaled down to a palette
PNG under 300 KB.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT, SCALE = 1000, 4000, 0.6


def shoot(page: Path, png: Path, profile: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        sys.exit("needs chromium")
    flags = "--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
    subprocess.run(
        [
            browser,
            *flags.split(),
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def shrink(png: Path, out: Path) -> None:
    with Image.open(png) as im:
        rgb = im.convert("RGB")
        background = rgb.getpixel((2, rgb.height - 2))
        rows = [y for y in range(rgb.height) if rgb.getpixel((WIDTH // 2, y)) != background]
        bottom = min(max(rows, default=rgb.height) + 30, rgb.height)
        small = rgb.crop((0, 0, WIDTH, bottom)).resize(
            (round(WIDTH * SCALE), round(bottom * SCALE)), Image.LANCZOS
        )
        small.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "slumpwatch", "demo", "--output-dir", str(work)],
            check=True,
            capture_output=True,
        )
        for name, page in (("report-day", "report.html"), ("report-week", "week.html")):
            shoot(work / page, work / f"{name}.png", work / "profile")
            out = ROOT / "docs" / f"{name}.png"
            shrink(work / f"{name}.png", out)
            print(f"{out.relative_to(ROOT)}: {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
