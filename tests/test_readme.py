"""The README shows what a newcomer gets: screenshots of the current sandbox seed, each one it names present."""

from __future__ import annotations

import re
from pathlib import Path

from sandbox import seed
from tests.readme_screenshots import seed_fingerprint, stamped_seed

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"


def readme_images() -> list[str]:
    return re.findall(r"!\[[^\]]*\]\((docs/screenshots/[^)]+\.png)\)", (ROOT / "README.md").read_text("utf-8"))


def test_every_readme_screenshot_exists_and_every_screenshot_is_shown() -> None:
    """The README's images are exactly the files in docs/screenshots."""
    shown = readme_images()
    assert shown, "the README shows no screenshot"
    assert sorted(p.relative_to(ROOT).as_posix() for p in SCREENSHOTS.glob("*.png")) == sorted(set(shown))


def test_readme_screenshots_come_from_the_current_seed() -> None:
    """Each screenshot was taken from the sandbox seed as it is now; refresh them with
    `PMBOT_SANDBOX_SCREENSHOTS=docs/screenshots bash scripts/test -k browser` after changing the seed."""
    current = seed_fingerprint()
    stale = [name for name in readme_images() if stamped_seed(ROOT / name) != current]
    assert [] == stale


def test_the_readme_names_the_seeded_people_by_their_time_zones() -> None:
    """The README's description of the sandbox names each seeded person's city, and the seeded channel."""
    text = (ROOT / "README.md").read_text("utf-8")
    for _id, _handle, _role, zone, _locale in seed.PEOPLE:
        city = zone.split("/")[-1].replace("_", " ")
        assert city in text, city
    assert f"#{seed.CHANNEL_NAME}" in text
