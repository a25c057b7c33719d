"""The 5x5 risk heat map as a PNG (Pillow), with the same content as text for screen readers and previews."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from domain.risks import IMPACT, PROBABILITY, level
from storage.models import Risk

CELL, LEFT, TOP, BOTTOM = 150, 170, 60, 90
COLOURS = {"low": (120, 190, 120), "medium": (245, 215, 90), "high": (245, 150, 60), "critical": (220, 70, 60)}
INK = (30, 30, 30)


def cells(risks: list[Risk]) -> dict[tuple[int, int], list[str]]:
    """Return the ids in each (probability, impact) cell, highest score first."""
    placed: dict[tuple[int, int], list[str]] = {}
    for risk in sorted(risks, key=lambda r: (-r.score, r.number)):
        placed.setdefault((risk.probability, risk.impact), []).append(risk.ref)
    return placed


def png(risks: list[Risk], *, title: str) -> bytes:
    """Draw the heat map: impact across, probability up, each cell coloured by its level, ids inside."""
    width, height = LEFT + 5 * CELL + 20, TOP + 5 * CELL + BOTTOM
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=16)
    small = ImageFont.load_default(size=13)
    draw.text((LEFT, 18), title[:80], fill=INK, font=ImageFont.load_default(size=22))
    placed = cells(risks)
    for p in range(1, 6):
        for i in range(1, 6):
            x, y = LEFT + (i - 1) * CELL, TOP + (5 - p) * CELL
            draw.rectangle([x, y, x + CELL - 2, y + CELL - 2], fill=COLOURS[level(p * i)], outline="white")
            draw.text((x + 6, y + 4), str(p * i), fill=INK, font=small)
            refs = placed.get((p, i), [])
            lines = [", ".join(refs[n : n + 3]) for n in range(0, min(len(refs), 12), 3)]
            if len(refs) > 12:
                lines[-1] += f" +{len(refs) - 12}"
            for n, line in enumerate(lines):
                draw.text((x + 8, y + 28 + n * 22), line, fill=INK, font=font)
    for p in range(1, 6):
        draw.text((8, TOP + (5 - p) * CELL + CELL // 2 - 8), f"{p} {PROBABILITY[p]}", fill=INK, font=small)
    for i in range(1, 6):
        draw.text((LEFT + (i - 1) * CELL + 8, TOP + 5 * CELL + 8), f"{i} {IMPACT[i]}", fill=INK, font=small)
    draw.text((LEFT, TOP + 5 * CELL + 40), "Impact (higher to the right)", fill=INK, font=font)
    draw.text((8, TOP - 26), "Probability (higher up)", fill=INK, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def text(risks: list[Risk]) -> str:
    """The heat map in words: each occupied cell, highest score first."""
    placed = cells(risks)
    if not placed:
        return "Risk matrix: no open risks."
    lines = ["Risk matrix (probability x impact = score):"]
    for (p, i), refs in sorted(placed.items(), key=lambda kv: (-kv[0][0] * kv[0][1], -kv[0][0])):
        lines.append(f"• {level(p * i)} {p * i} (p{p} {PROBABILITY[p]} x i{i} {IMPACT[i]}): {', '.join(refs)}")
    return "\n".join(lines)
