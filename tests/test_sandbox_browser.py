"""The sandbox page in a real headless Chromium, driving the real `pmbot sandbox` process as a person would.

Set PMBOT_SANDBOX_SCREENSHOTS=docs/screenshots to refresh the README's screenshots; otherwise they go to a
temporary directory.
"""

from __future__ import annotations

import os
import re
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.readme_screenshots import stamp_seed
from tests.test_sandbox_process import get, sandbox

CHROMIUM = Path("/usr/bin/chromium")
CHANNEL = "C0APOLLO"
START = "2026-11-23T06:00:00Z"  # Monday: 07:00 in Berlin, 11:30 in Kolkata, Sunday 22:00 in Los Angeles
ZONES = {"U0LAX": "America/Los_Angeles", "U0BER": "Europe/Berlin", "U0KOL": "Asia/Kolkata",
         "U0KTM": "Asia/Kathmandu", "U0AKL": "Pacific/Auckland"}  # fmt: skip

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's chromium (scripts/test installs it as root)"),
]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with sandbox(tmp_path_factory.mktemp("sandbox"), "--now", START) as (address, _seconds):
        yield address


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("PMBOT_SANDBOX_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def page(url: str) -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        tab = browser.new_page(viewport={"width": 1200, "height": 800})
        errors: list[str] = []
        tab.on("pageerror", lambda err: errors.append(str(err)))
        tab.set_default_timeout(10_000)
        tab.goto(f"{url}?as=U0BER&channel={CHANNEL}")
        tab.wait_for_selector("body.ready")
        yield tab
        browser.close()
        assert [] == errors


def act_as(page: Any, user: str, channel: str = CHANNEL) -> None:
    page.select_option("#you-are", user)
    page.wait_for_function(f"PM.S.me === '{user}' && PM.S.snap && document.querySelector('.side-item.active')")
    if channel != CHANNEL:
        page.click(f".side-item[data-channel='{channel}']")
    page.wait_for_function(f"PM.S.channel === '{channel}'")


def send(page: Any, text: str) -> None:
    box = page.locator("#composer textarea")
    box.fill(text)
    box.press("Enter")


def message_with(page: Any, text: str) -> Any:
    found = page.locator("#messages .message", has_text=text).last
    found.wait_for()
    return found


def shot(page: Any, folder: Path, name: str) -> None:
    """Save a screenshot, stamped with the sandbox seed it shows (tests/test_readme.py holds the README's to it)."""
    page.wait_for_timeout(150)  # let the last redraw settle
    page.screenshot(path=str(folder / name))
    stamp_seed(folder / name)


def test_an_action_item_in_each_persons_time_zone_and_done(page: Any, shots: Path) -> None:
    """The tech lead in Berlin creates an item due tomorrow 5pm; its owner in Kolkata sees 9:30 PM and clicks Done."""
    send(page, "/action @dev-kolkata prepare the demo by tomorrow 5pm")
    card = message_with(page, "prepare the demo")
    assert "tomorrow 5:00 PM" in card.inner_text()
    page.locator(".message.ephemeral", has_text="A-4").last.wait_for()
    assert "Only visible to you" in page.locator(".message.ephemeral", has_text="A-4").last.inner_text()
    shot(page, shots, "1-action-in-berlin.png")

    act_as(page, "U0KOL")
    card = message_with(page, "prepare the demo")
    assert "tomorrow 9:30 PM" in card.inner_text()
    assert "5:00 PM" not in card.inner_text()
    shot(page, shots, "2-same-item-in-kolkata.png")

    card.locator("button[data-action='action_done']").click()
    page.wait_for_function(
        "[...document.querySelectorAll('#messages .message')].some(m => m.textContent.includes('prepare the demo')"
        " && m.querySelector('s') && m.querySelector('.edited'))"
    )
    done = message_with(page, "prepare the demo")
    assert "prepare the demo" in done.locator("s").first.inner_text()
    assert 0 == done.locator("button[data-action='action_done']").count()
    shot(page, shots, "3-done.png")


def test_a_stand_up_is_set_up_prompted_in_order_and_answered(page: Any, url: str, shots: Path) -> None:
    """`/standup setup` in a modal; +1 day brings each prompt at 09:30 local, in order; the Kolkata developer
    answers by the form and the answer is in the channel's thread."""
    act_as(page, "U0BER")
    send(page, "/standup setup")
    modal = page.locator(".modal[data-callback='standup_setup']")
    modal.wait_for()
    assert 5 == modal.locator(".chip").count()  # the channel's five people, preselected
    shot(page, shots, "4-standup-setup.png")
    page.click("#modal-submit")
    modal.wait_for(state="detached")

    page.click("#clock-day")
    page.wait_for_function("!document.body.classList.contains('advancing') && !PM.S.advancing", timeout=60_000)
    prompts = []
    for user, zone in ZONES.items():
        dm = get(f"{url}api/snapshot?user={user}&channel=D{user}")["messages"]
        [prompt] = [m for m in dm if m["text"].startswith("Stand-up for")]
        local = datetime.fromtimestamp(float(prompt["ts"]), ZoneInfo(zone))
        assert (9, 30) == (local.hour, local.minute), (user, local)
        prompts.append((float(prompt["ts"]), user))
    # Berlin's Monday 09:30 first, then Los Angeles, then Tuesday in Auckland, Kathmandu and Kolkata.
    assert ["U0BER", "U0LAX", "U0AKL", "U0KTM", "U0KOL"] == [u for _, u in sorted(prompts)]

    act_as(page, "U0KOL")
    page.locator(".side-item[data-channel='DU0KOL'] .badge").wait_for()  # unread, as in Slack's sidebar
    page.click(".side-item[data-channel='DU0KOL']")
    prompt = message_with(page, "Stand-up time for")
    assert "#proj-apollo" in prompt.inner_text()
    shot(page, shots, "5-standup-prompt-in-kolkata.png")

    prompt.locator("button[data-action='standup_answer']").click()
    form = page.locator(".modal")
    form.wait_for()
    boxes = form.locator("textarea, input.bk-input")
    answers = ["finished the vendor contract draft", "the demo script", "waiting for the <staging> keys & VPN"]
    for i in range(boxes.count()):
        boxes.nth(i).fill(answers[i] if i < len(answers) else "nothing")
    page.click("#modal-submit")
    form.wait_for(state="detached")
    message_with(page, "answered")

    page.click(f".side-item[data-channel='{CHANNEL}']")
    page.locator("#messages .replies-link").last.click()
    reply = page.locator("#thread-messages .message", has_text="finished the vendor contract draft")
    reply.wait_for()
    assert "waiting for the <staging> keys & VPN" in reply.inner_text()  # escaped by pmbot, shown literally
    shot(page, shots, "6-answer-in-the-thread.png")


def test_a_plain_stand_up_reply_has_its_blocker_in_the_thread_summary(page: Any, shots: Path) -> None:
    """The Kathmandu engineer answers in plain words in the DM; the next day the thread's summary lists her blocker."""
    act_as(page, "U0KTM", "DU0KTM")
    send(
        page,
        "Yesterday: rotated the TLS certificates\nToday: the on-call rota\nBlocker: change freeze approval from CAB",
    )
    message_with(page, "answered")

    page.click("#clock-day")
    page.wait_for_function("!document.body.classList.contains('advancing') && !PM.S.advancing", timeout=60_000)
    act_as(page, "U0BER")
    page.locator("#messages .replies-link").last.click()  # Tuesday's thread, the newest
    thread = page.locator("#thread-messages")
    reply = thread.locator(".message", has_text="rotated the TLS certificates")
    reply.wait_for()
    summary = thread.locator(".message", has_text="Stand-up summary")
    summary.wait_for()
    assert "change freeze approval from CAB" in reply.inner_text()
    assert "Blockers (" in summary.inner_text() and "change freeze approval from CAB" in summary.inner_text()
    shot(page, shots, "9-standup-blocker-in-the-summary.png")


def test_the_home_tab_shows_what_pmbot_publishes(page: Any, shots: Path) -> None:
    act_as(page, "U0KOL", "DU0KOL")
    page.click("#tab-home")
    home = page.locator(".home")
    home.wait_for()
    assert "prepare the demo" not in home.inner_text()  # done items leave the list
    assert "send the vendor contract draft" in home.inner_text()
    shot(page, shots, "7-app-home.png")
    page.click("#tab-messages")


def test_a_message_shortcut_opens_the_form_and_errors_show_in_place(page: Any) -> None:
    """ "Create action item" from a message's menu fills the form; a past date is refused beside the field."""
    act_as(page, "U0LAX")
    message = message_with(page, "contract draft ready before the weekend")
    assert "<SLAs> & support" in message.inner_text()  # escaped text is shown literally
    message.hover()
    message.locator(".more").click()
    message.locator(".shortcut[data-callback='action_from_message']").click()
    form = page.locator(".modal[data-callback='action_create']")
    form.wait_for()
    assert "contract draft ready" in form.locator("textarea, input.bk-input").first.input_value()
    form.locator("input[type='date']").fill("2026-01-05")
    page.click("#modal-submit")
    error = form.locator(".bk-error")
    error.wait_for()
    assert "past" in error.inner_text()
    page.click("#modal-close")
    form.wait_for(state="detached")


def test_a_mistyped_command_asks_did_you_mean_and_records_nothing(page: Any, shots: Path) -> None:
    """`/action complete A-1` asks "Did you mean `/action done A-1`?" with a button for each reading; no A-5."""
    act_as(page, "U0BER")
    send(page, "/action complete A-1")
    question = page.locator(".message.ephemeral", has_text="Did you mean").last
    question.wait_for()
    assert "/action done A-1" in question.inner_text()
    assert 2 <= question.locator("button").count()
    assert 0 == page.locator("#messages .message", has_text="A-5").count()
    page.evaluate("document.getElementById('messages').scrollTop = 1e9")  # the last test left it scrolled up
    shot(page, shots, "8-did-you-mean.png")


def test_a_slip_upstream_reaches_this_project_and_a_change_request_waits_for_approval(
    page: Any, url: str, shots: Path
) -> None:
    """The seed's payments API slipped past its baseline: #proj-apollo hears it with the chain to its UAT; the change
    request to move the UAT waits in the Berlin lead's DM with Approve, Reject and Ask for more; `/milestone timeline`
    uploads the picture (saved beside the screenshots as the README's timeline)."""
    act_as(page, "U0BER")
    alert = message_with(page, "Waiting for it in")
    assert "M-API" in alert.inner_text() and "M-UAT" in alert.inner_text() and "proj-payments" in alert.inner_text()
    alert.scroll_into_view_if_needed()
    shot(page, shots, "10-slip-reaches-a-dependent-project.png")

    act_as(page, "U0BER", "DU0BER")
    request = message_with(page, "CR-1")
    for action in ("change_approve", "change_reject", "change_ask"):
        assert 1 == request.locator(f"button[data-action='{action}']").count(), action
    assert "M-UAT" in request.inner_text()
    request.scroll_into_view_if_needed()
    shot(page, shots, "11-change-request-to-approve.png")

    act_as(page, "U0BER")
    send(page, "/milestone timeline")
    picture = page.locator("#messages img.file-image").last
    picture.wait_for()
    messages = get(f"{url}api/snapshot?user=U0BER&channel={CHANNEL}")["messages"]
    [upload] = [f for m in messages for f in m.get("files") or [] if f.get("mimetype") == "image/png"][-1:]
    (shots / "12-milestone-timeline.png").write_bytes(get_bytes(f"{url}api/file/{upload['id']}"))
    stamp_seed(shots / "12-milestone-timeline.png")


def test_a_retro_is_revealed_together_and_voted_by_people_in_their_own_zones(page: Any, shots: Path) -> None:
    """The seed's Sprint 14 retro was revealed with three people's notes, no names; three people vote from their own
    seats, the board's counts follow each vote, and the lead sees Close and make actions."""
    votes = {"U0KOL": "Flaky integration tests on main", "U0AKL": "Flaky integration tests on main",
             "U0KTM": "Demo every second Friday"}  # fmt: skip
    counted: dict[str, int] = {}
    for user, note in votes.items():
        act_as(page, user)
        section = message_with(page, "Sprint 14 retro").locator(".bk-section", has_text=note).first
        section.locator("button[data-action='retro_vote']").click()
        counted[note] = counted.get(note, 0) + 1
        words = f"{counted[note]} vote{'s' if counted[note] > 1 else ''}"
        message_with(page, "Sprint 14 retro").locator(".bk-section", has_text=note).filter(has_text=words).wait_for()
    act_as(page, "U0BER")
    page.wait_for_function(
        "[...document.querySelectorAll('#messages .message')].some(m => m.textContent.includes('Sprint 14 retro')"
        " && m.textContent.includes('2 votes'))"
    )
    board = message_with(page, "Sprint 14 retro")
    text = board.inner_text()
    assert "Reviews waited two days" in text and "dev-kolkata" not in text  # notes without their authors
    assert 1 == board.locator("button[data-action='retro_close']").count()
    page.wait_for_timeout(300)  # the last vote's redraw
    message_with(page, "Sprint 14 retro").scroll_into_view_if_needed()
    shot(page, shots, "13-retro-board.png")


def test_a_go_live_timeline_is_a_thread_and_a_failed_step_becomes_an_action_item(page: Any, shots: Path) -> None:
    """The seed's payments cutover is live: its thread has each step done, skipped or failed with who; the Kolkata
    developer turns the failed smoke tests into an action item with one click, and the reply names it."""
    act_as(page, "U0KOL", "C0PAYMENTS")
    live = message_with(page, "Payments cutover is live")
    assert "1 of 6 steps done" in live.inner_text() and "1 failed" in live.inner_text()
    live.locator(".replies-link").click()
    thread = page.locator("#thread-messages")
    failed = thread.locator(".message", has_text="card refunds answer 502").last
    failed.wait_for()
    assert "checksums match on both replicas" in thread.inner_text() and "dev-kathmandu" in thread.inner_text()
    failed.locator("button[data-action='golive_step_action']").click()
    thread.locator(".message", has_text="card refunds answer 502").filter(has_text="A-").last.wait_for()
    assert 0 == thread.locator("button[data-action='golive_step_action']").count()
    shot(page, shots, "14-golive-timeline.png")
    page.click("#thread-close")
    page.click(f".side-item[data-channel='{CHANNEL}']")  # back where the next tests start (its lead is not here)
    page.wait_for_function(f"PM.S.channel === '{CHANNEL}'")


def get_bytes(address: str) -> bytes:
    with urllib.request.urlopen(address, timeout=10) as answer:
        return bytes(answer.read())


def test_uploaded_files_open_as_a_table_or_text(page: Any) -> None:
    """`/pm export csv` and `md` upload files; clicking one shows it: the CSV as a table with names beside ids,
    the Markdown as text with times in the project's zone, Europe/Berlin as the seed set it."""
    act_as(page, "U0BER")
    send(page, "/pm export csv")
    page.locator("#messages .file-open", has_text="actions.csv").last.click()
    viewer = page.locator("#file-layer .file-viewer")
    viewer.wait_for()
    header = [cell.inner_text() for cell in viewer.locator("th").all()]
    assert ["id", "title", "owner_id", "owner_name"] == header[:4]
    rows = viewer.locator("tbody tr", has_text="send the vendor contract draft")
    assert ["A-1", "send the vendor contract draft", "U0KOL", "dev-kolkata"] == [
        cell.inner_text() for cell in rows.first.locator("td").all()[:4]
    ]
    page.click("#file-close")
    viewer.wait_for(state="detached")

    send(page, "/pm export md")
    page.locator("#messages .file-open", has_text="pmbot-export.md").last.click()
    text = page.locator("#file-layer .file-viewer .file-text")
    text.wait_for()
    assert "## Action items" in text.inner_text() and "Europe/Berlin" in text.inner_text()
    page.click("#file-close")


def test_news_arrive_without_a_reload(page: Any, url: str) -> None:
    """A message posted by someone else appears in the open page through server-sent events."""
    import json
    import urllib.request

    act_as(page, "U0BER")
    body = json.dumps({"user": "U0KTM", "channel": CHANNEL, "text": "Morning from *Kathmandu* <!channel>"})
    own = {"Origin": url.rstrip("/"), "Content-Type": "application/json"}  # as the page's own fetch() sends
    request = urllib.request.Request(url + "api/send", data=body.encode(), headers=own, method="POST")
    with urllib.request.urlopen(request, timeout=5):
        pass
    message = page.locator("#messages .message", has_text="Morning from")
    message.wait_for(timeout=3000)  # well under a second when the machine is not loaded
    assert "<!channel>" in message.inner_text() and 0 == message.locator(".broadcast").count()
    assert "Kathmandu" == message.locator("b").inner_text()


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*bold* _italic_ ~gone~ `co*de*`", "<b>bold</b> <i>italic</i> <s>gone</s> <code>co*de*</code>"),
        ("&lt;!channel&gt; &amp; <!here>", '&lt;!channel&gt; &amp; <span class="mention broadcast">@here</span>'),
        ("<https://example.com|the site>", '<a href="https://example.com" target="_blank" rel="noopener">the site</a>'),
        ("<@U0KOL> in <#C0APOLLO>", '<span class="mention" data-user="U0KOL">@dev-kolkata</span> in '
         '<span class="mention channel">#proj-apollo</span>'),
        ("&gt; quoted\nplain", "<blockquote>quoted</blockquote>plain"),
    ],
)  # fmt: skip
def test_mrkdwn_is_rendered_like_slack(page: Any, text: str, html: str) -> None:
    assert html == page.evaluate("([t]) => PM.mrkdwn(t, PM.ctx())", [text])


@pytest.mark.parametrize(
    ("fmt", "zone", "expected"),
    [
        ("{date_short_pretty} {time}", "Asia/Kolkata", "Nov 27, 2026 9:30 PM"),
        ("{date_long}", "Pacific/Auckland", "Saturday, November 28th, 2026"),
        ("{date}", "America/Los_Angeles", "November 27th, 2026"),
        ("{date_num} {time_secs}", "Asia/Kathmandu", "2026-11-27 9:45:00 PM"),
        ("{date_pretty}", "Europe/Berlin", "November 27th, 2026"),
    ],
)
def test_date_tokens_are_rendered_in_the_viewers_zone(page: Any, fmt: str, zone: str, expected: str) -> None:
    unix = 1795795200  # 2026-11-27 16:00 UTC
    now = "new Date(Date.UTC(2026, 10, 24, 12))"
    got = page.evaluate(f"([u, f, z]) => PM.formatDate(u, f, z, {now})", [unix, fmt, zone])
    assert expected == re.sub(r"\s+", " ", got)


def test_pretty_dates_say_today_tomorrow_and_yesterday_in_the_viewers_zone(page: Any) -> None:
    """16:00 UTC on the 27th is the 27th in Berlin but already the 28th in Auckland."""
    got = page.evaluate(
        "() => [['Europe/Berlin', 27], ['Pacific/Auckland', 26], ['Pacific/Auckland', 28], ['Asia/Kolkata', 26]]"
        ".map(([z, d]) => PM.formatDate("
        "1795795200, '{date_short_pretty} at {time}', z, new Date(Date.UTC(2026, 10, d, 12))))"
    )
    assert ["today at 5:00 PM", "tomorrow at 5:00 AM", "yesterday at 5:00 AM", "tomorrow at 9:30 PM"] == got
