"""Text that pmbot repeats to people: escaped so it can never ping anyone, dates as Slack date tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

SECTION_TEXT_LIMIT = 3000
TEXT_OBJECT_LIMIT = 3000  # any text object, a context element's too
MESSAGE_TEXT_LIMIT = 40000
PLAIN_TEXT_LIMIT = 150  # header blocks, button labels and modal titles are far shorter than sections

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Escape user text for mrkdwn: `&`, `<` and `>`, so `<!channel>` or `<@U1>` shows literally."""
    return without_control(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's own escaping of `&`, `<` and `>` in text it sends us (slash command text, messages)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int) -> str:
    """Shorten text to at most `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_WHOLE = re.compile(r"&(?:amp|lt|gt);|<[^<>]*>")  # what a cut must not split: an entity, a mention, a date, a link


def cut_point(mrkdwn: str, at: int) -> int:
    """The last place at or before `at` where mrkdwn can be cut without splitting `&amp;` or a `<...>` token."""
    for match in _WHOLE.finditer(mrkdwn):
        if match.start() >= at:
            break
        if match.end() > at:
            return match.start()
    return at


def clip(mrkdwn: str, limit: int) -> str:
    """Shorten mrkdwn to at most `limit` characters as Slack counts them (after escaping), marking the cut with an
    ellipsis and never cutting an entity or a mention in half."""
    return mrkdwn if len(mrkdwn) <= limit else mrkdwn[: cut_point(mrkdwn, limit - 1)] + "…"


def escaped(text: str, limit: int) -> str:
    """Escape user text for mrkdwn, shortened so that what is sent (not what was typed) fits in `limit`."""
    return clip(escape(text), limit)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 open blocker`, `3 open blockers`: the count and the noun in the number it takes (`many` when not +s)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def date_token(moment: datetime, fmt: str = "{date_short_pretty} {time}", *, fallback: str | None = None) -> str:
    """Render an aware datetime as `<!date^...>` so every reader sees it in their own time zone."""
    if moment.tzinfo is None:
        raise ValueError("date_token needs an aware datetime")
    fallback = escape(fallback) if fallback else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def without_control(text: str) -> str:
    """`text` without control characters (tab and newlines stay): PostgreSQL refuses NUL, and none belong in text."""
    return _CONTROL.sub("", text)


def short_number(ref: str, letter: str) -> int | None:
    """The number in a short id such as `D-9`, `d9` or `9` for `letter` "D"; None when it is not one."""
    found = re.fullmatch(rf"(?:{re.escape(letter)}-?)?([0-9]{{1,9}})", ref.strip(), re.IGNORECASE)
    return int(found.group(1)) if found else None


FORMER_MEMBER = "former-member"  # stands in for a person forgotten on request (`/pm forget`); never a Slack id


def user_mention(user_id: str) -> str:
    """Mention a Slack user by id (a deliberate ping; ids are never taken from free text)."""
    if user_id == FORMER_MEMBER:
        return "_a former member_"
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return f"<@{user_id}>"


def channel_mention(channel_id: str) -> str:
    """Link a Slack channel by id."""
    if not re.fullmatch(r"[CGD][A-Z0-9]{2,}", channel_id):
        raise ValueError(f"not a Slack channel id: {channel_id!r}")
    return f"<#{channel_id}>"


USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def user_ids_in(text: str) -> list[str]:
    """Return the user ids of Slack user mentions in text, in order, without repeats."""
    return list(dict.fromkeys(USER_MENTION.findall(text)))


_SLACK_TOKEN = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")


def plain_from_slack(text: str, *, name_of: Callable[[str], str] | None = None) -> str:
    """Turn Slack-formatted text (as a slash command or message delivers it) into plain text to store.

    `<@U1|pm>` becomes `@pm` (`<@U1>` the name `name_of` gives, else the id), `<#C1|proj>` `#proj`, `<!channel>`
    `@channel`; a link keeps its URL: `<https://x|the notes>` becomes `the notes (https://x)`, a link that was typed
    as an address (`<https://x>`, `<http://x.org|x.org>`, `<mailto:a@b.c|a@b.c>`) the address as typed. Then Slack's
    own escaping is undone and control characters other than tab and newlines are dropped (PostgreSQL refuses to
    store NUL). The result is shown again only through `escape`, so nothing in it can ever become a mention.
    """

    def replace(match: re.Match[str]) -> str:
        sigil, ident, label, url, url_label = match.groups()
        if url:
            return _link(str(url), url_label)
        if sigil == "@":
            return "@" + (label or (name_of(ident) if name_of else "") or ident)
        if sigil == "#":
            return "#" + (label or ident)
        return "@" + (label or ident.split("^")[0]).lstrip("@")  # <!channel>, <!here>, <!subteam^S1|@team>

    return without_control(unescape(_SLACK_TOKEN.sub(replace, text)))


def _link(url: str, label: str | None) -> str:
    """A link as plain text: its label and its URL, or only the address when that is what the label says."""
    label = (label or "").strip()
    address = re.sub(r"^(?:https?://|mailto:)", "", url, flags=re.IGNORECASE).rstrip("/")
    if not label or label == url or label.rstrip("/") == address:
        return label or url
    return f"{label} ({url})"
