"""Keep messages within Slack's limits: long sections split by lines, long messages split into several."""

from __future__ import annotations

from typing import Any

from domain.text import cut_point

MAX_BLOCKS = 50
MAX_SECTION = 3000


def split_section_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Split mrkdwn into pieces of at most `limit` characters, at line breaks where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one enormous line: cut it
            if current:
                pieces.append(current)
                current = ""
            at = cut_point(line, limit - 1) or limit - 1  # a token longer than a section is cut anyway
            pieces.append(line[:at] + "…")
            line = "…" + line[at:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def fit(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Return the blocks as one or more messages' worth, each within 50 blocks and 3,000-character sections."""
    flat: list[dict[str, Any]] = []
    for block in blocks:
        text = (block.get("text") or {}).get("text") if block.get("type") == "section" else None
        if text and len(text) > MAX_SECTION and not block.get("accessory") and not block.get("fields"):
            flat += [
                {"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in split_section_text(text)
            ]
        else:
            flat.append(block)
    return [flat[i : i + MAX_BLOCKS] for i in range(0, len(flat), MAX_BLOCKS)] or [[]]
