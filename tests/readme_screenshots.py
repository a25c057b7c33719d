"""The README's screenshots carry the fingerprint of the sandbox seed they were taken from.

The browser tests stamp every screenshot they save (PMBOT_SANDBOX_SCREENSHOTS=docs/screenshots refreshes the
README's); tests/test_readme.py fails when the seed has changed since, so the README never shows people or
records the sandbox no longer has.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from sandbox import seed

SEED_KEY = "pmbot-sandbox-seed"


def seed_fingerprint() -> str:
    """A short hash of who the sandbox seeds and what they type."""
    data = json.dumps(
        [
            seed.PEOPLE,
            seed.CHANNEL_ID,
            seed.CHANNEL_NAME,
            seed.PAYMENTS_ID,
            seed.PAYMENTS_PEOPLE,
            seed.SCRIPT,
            seed.FORMS,
            seed.LATER,
        ],
        sort_keys=True,
    )
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def stamp_seed(path: Path) -> None:
    """Write the current seed's fingerprint into the PNG at `path`."""
    with Image.open(path) as image:
        image.load()
        info = PngInfo()
        info.add_text(SEED_KEY, seed_fingerprint())
        image.save(path, pnginfo=info)


def stamped_seed(path: Path) -> str | None:
    """The seed fingerprint a screenshot was stamped with, or None."""
    with Image.open(path) as image:
        return image.text.get(SEED_KEY) if hasattr(image, "text") else None  # type: ignore[no-any-return]
