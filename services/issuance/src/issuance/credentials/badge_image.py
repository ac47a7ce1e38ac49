"""The achievement's picture, drawn here, which baked badges carry the credential in.

Offerings have no uploaded artwork, so the picture is generated from the achievement and
issuer names: the same names always give the same image (cached, bounded).
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from functools import lru_cache
from html import escape

from PIL import Image, ImageDraw, ImageFont

SIZE = 512
_PALETTE = ("#1d4ed8", "#047857", "#7c3aed", "#b45309", "#be123c", "#0e7490")


def _colour(name: str) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    return _PALETTE[digest[0] % len(_PALETTE)]


def _lines(text: str, width: int, count: int) -> list[str]:
    lines = textwrap.wrap(text, width=width) or [""]
    if len(lines) > count:
        lines = [*lines[: count - 1], lines[count - 1][: width - 1] + "…"]
    return lines


@lru_cache(maxsize=128)
def badge_png(achievement_name: str, issuer_name: str) -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=_colour(achievement_name), outline="#f8fafc")
    draw.ellipse((40, 40, SIZE - 40, SIZE - 40), outline="#f8fafc", width=4)
    title = ImageFont.load_default(size=34)
    small = ImageFont.load_default(size=22)
    lines = _lines(achievement_name, 18, 3)
    top = SIZE // 2 - 24 * len(lines) - 10
    for index, line in enumerate(lines):
        draw.text((SIZE // 2, top + 46 * index), line, font=title, fill="#ffffff", anchor="mm")
    issuer_line = _lines(issuer_name, 28, 1)[0]
    draw.text((SIZE // 2, SIZE - 120), issuer_line, font=small, fill="#e2e8f0", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def badge_svg(achievement_name: str, issuer_name: str) -> str:
    lines = _lines(achievement_name, 18, 3)
    top = SIZE // 2 - 24 * len(lines) - 10
    title = "".join(
        f'<text x="256" y="{top + 46 * index}" class="title">{escape(line)}</text>'
        for index, line in enumerate(lines)
    )
    issuer_line = escape(_lines(issuer_name, 28, 1)[0])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="{SIZE}" height="{SIZE}" role="img">'
        f"<title>{escape(achievement_name)}</title>"
        "<style>text{font-family:sans-serif;text-anchor:middle;dominant-baseline:middle}"
        ".title{font-size:34px;fill:#fff}.issuer{font-size:22px;fill:#e2e8f0}</style>"
        f'<circle cx="256" cy="256" r="248" fill="{_colour(achievement_name)}" stroke="#f8fafc"/>'
        '<circle cx="256" cy="256" r="216" fill="none" stroke="#f8fafc" stroke-width="4"/>'
        f'{title}<text x="256" y="{SIZE - 120}" class="issuer">{issuer_line}</text>'
        "</svg>"
    )
