"""The test-side Slack stand-ins: FakeSlack driven by a real slack_sdk WebClient; SlackSender's signing."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from sandbox.standin import FakeSlack
from tests.slack_requests import SlackSender

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}
MODAL = {
    "type": "modal",
    "callback_id": "m",
    "title": {"type": "plain_text", "text": "T"},
    "blocks": [SECTION],
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        server.add_user("U1", name="pm-la", tz="Europe/Berlin", locale="de-DE", real_name="Project manager")
        server.add_channel("C1", name="proj", members=["U1", "U2", "U3", "U4", "U5", "UBOT"])
        yield server
    assert server.server_errors == []


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def error_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(*args, **kwargs)
    return str(caught.value.response["error"])


def test_post_update_and_delete_are_reflected_in_messages(fake: FakeSlack, client: WebClient) -> None:
    """chat.postMessage stores messages in ts order; chat.update edits and chat.delete removes them."""
    first = client.chat_postMessage(channel="C1", text="one", blocks=[SECTION])
    second = client.chat_postMessage(channel="C1", text="two", thread_ts=first["ts"])
    assert first["channel"] == "C1" and first["message"]["text"] == "one"
    assert float(second["ts"]) > float(first["ts"])
    client.chat_update(channel="C1", ts=first["ts"], text="one, edited")
    texts = [(m["text"], m["user"], m["thread_ts"]) for m in fake.messages("C1")]
    assert texts == [("one, edited", "UBOT", None), ("two", "UBOT", first["ts"])]
    assert fake.messages("C1")[0]["blocks"] == [SECTION]  # blocks left out of chat.update are kept
    client.chat_delete(channel="C1", ts=second["ts"])
    assert [m["ts"] for m in fake.messages("C1")] == [first["ts"]]
    assert error_of(client.chat_update, channel="C1", ts="1.000001", text="x") == "message_not_found"


def test_form_and_get_requests_are_understood(fake: FakeSlack, client: WebClient) -> None:
    """Form bodies with JSON-string blocks and GET query strings are decoded like JSON bodies."""
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "form", "blocks": json.dumps([SECTION])})
    assert fake.messages("C1")[0]["blocks"] == [SECTION]
    with urllib.request.urlopen(fake.url + "users.info?user=U1&token=xoxb-test", timeout=5) as answer:
        assert json.loads(answer.read())["user"]["name"] == "pm-la"
    assert fake.calls[-1].token == "xoxb-test" and fake.calls[-1].args == {"user": "U1"}


def test_post_to_a_user_id_lands_in_the_dm(fake: FakeSlack, client: WebClient) -> None:
    """A message posted to a user id goes to the DM "D<user>", the same id conversations.open answers."""
    posted = client.chat_postMessage(channel="U1", text="psst")
    opened = client.conversations_open(users="U1")
    assert posted["channel"] == opened["channel"]["id"] == "DU1"
    assert [m["text"] for m in fake.messages("U1")] == ["psst"]


def test_ephemeral_permalink_and_reactions(fake: FakeSlack, client: WebClient) -> None:
    """postEphemeral is kept per user; getPermalink answers a link; a repeated reaction is already_reacted."""
    client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert [e["text"] for e in fake.ephemerals("U1")] == ["only you"] and fake.ephemerals("U2") == []
    ts = client.chat_postMessage(channel="C1", text="hi")["ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://fake.slack.test/archives/C1/p{ts.replace('.', '')}"
    client.reactions_add(channel="C1", timestamp=ts, name="eyes")
    assert error_of(client.reactions_add, channel="C1", timestamp=ts, name="eyes") == "already_reacted"
    assert fake.messages("C1")[0]["reactions"] == [{"name": "eyes", "users": ["UBOT"], "count": 1}]


def test_users_info_includes_locale_only_when_asked(client: WebClient) -> None:
    """users.info answers tz, tz_offset and profile; locale only with include_locale; unknown users fail."""
    user = client.users_info(user="U1")["user"]
    assert user["tz"] == "Europe/Berlin" and user["tz_offset"] in (3600, 7200)
    assert user["profile"]["real_name"] == "Project manager" and user["profile"]["display_name"] == "pm-la"
    assert "locale" not in user
    assert client.users_info(user="U1", include_locale=True)["user"]["locale"] == "de-DE"
    assert error_of(client.users_info, user="U404") == "user_not_found"


def test_set_user_tz_changes_the_offset(fake: FakeSlack, client: WebClient) -> None:
    """set_user_tz changes what users.info answers."""
    fake.set_user_tz("U1", "Asia/Kolkata")
    assert client.users_info(user="U1")["user"]["tz_offset"] == 19800


def test_conversations_members_paginates(client: WebClient) -> None:
    """conversations.members pages by limit and cursor until next_cursor is empty."""
    seen, cursor, pages = [], None, 0
    while True:
        page = client.conversations_members(channel="C1", limit=4, cursor=cursor)
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 2 and seen == ["U1", "U2", "U3", "U4", "U5", "UBOT"]
    assert error_of(client.conversations_members, channel="C404") == "channel_not_found"


def test_conversations_open_info_and_list(fake: FakeSlack, client: WebClient) -> None:
    """conversations.open answers D<user> for one user and a G... mpim for several; info and list agree."""
    assert client.conversations_open(users="U2")["channel"]["id"] == "DU2"
    mpim = client.conversations_open(users="U1,U2")["channel"]["id"]
    assert mpim.startswith("G")
    assert client.conversations_info(channel="DU2")["channel"]["is_im"] is True
    info = client.conversations_info(channel="C1")["channel"]
    assert (info["name"], info["is_private"], info["is_im"]) == ("proj", False, False)
    fake.add_channel("C2", name="secret", members=["U1"], is_private=True)
    assert [c["id"] for c in client.conversations_list()["channels"]] == ["C1"]
    assert error_of(client.conversations_info, channel="C2") == "channel_not_found"


def test_views_open_needs_a_trigger_id(fake: FakeSlack, client: WebClient) -> None:
    """views.open without trigger_id is invalid_arguments; with one it answers a V... view, used once."""
    assert error_of(client.api_call, "views.open", json={"view": MODAL}) == "invalid_arguments"
    view = client.views_open(trigger_id="t1", view=MODAL)["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "m" and view["hash"]
    assert error_of(client.views_open, trigger_id="t1", view=MODAL) == "exchanged_trigger_id"
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view={**MODAL, "callback_id": "m2"})
    assert fake.view(view["id"])["callback_id"] == "m2"  # type: ignore[index]
    assert error_of(client.views_update, view_id=view["id"], hash=view["hash"], view=MODAL) == "hash_conflict"
    assert updated["view"]["id"] == view["id"]


def test_views_publish_records_the_home_view(fake: FakeSlack, client: WebClient) -> None:
    """views.publish keeps the latest Home view per user under one id."""
    home = {"type": "home", "blocks": [SECTION]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view={**home, "blocks": [SECTION, {"type": "divider"}]})
    assert second["view"]["id"] == first["id"]
    assert len(fake.home_view("U1")["blocks"]) == 2  # type: ignore[index]
    assert fake.home_view("U2") is None


def test_files_upload_v2_keeps_the_bytes(fake: FakeSlack, client: WebClient) -> None:
    """files_upload_v2's three steps succeed and the fake keeps the uploaded bytes and sharing details."""
    content = b"week,done\n1,3\n" * 100
    result = client.files_upload_v2(
        channel="C1", content=content, filename="report.csv", title="Report", initial_comment="here"
    )
    assert result["file"]["title"] == "Report"
    (upload,) = fake.uploads()
    assert upload["content"] == content and upload["filename"] == "report.csv"
    assert (upload["title"], upload["channel_id"], upload["initial_comment"]) == ("Report", "C1", "here")
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_unknown_method_and_auth_errors(fake: FakeSlack) -> None:
    """An unknown method is unknown_method; no token is not_authed; a non-xox token is invalid_auth."""
    assert error_of(WebClient(token="xoxb-test", base_url=fake.url).api_call, "chat.nope") == "unknown_method"
    assert error_of(WebClient(base_url=fake.url).auth_test) == "not_authed"
    assert error_of(WebClient(token="bogus", base_url=fake.url).auth_test) == "invalid_auth"
    auth = WebClient(token="xoxb-test", base_url=fake.url).auth_test()
    assert (auth["user_id"], auth["team_id"], auth["bot_id"]) == ("UBOT", "T0001", "B0001")
    assert fake.calls[-1].token == "xoxb-test"


def test_message_without_text_or_blocks_is_no_text(client: WebClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A message with neither text nor blocks is answered no_text."""
    monkeypatch.setenv("SKIP_SLACK_SDK_WARNING", "1")  # slack_sdk warns about the missing text itself
    assert error_of(client.chat_postMessage, channel="C1") == "no_text"


def test_more_than_50_blocks_is_invalid_blocks(client: WebClient) -> None:
    """A message with 51 blocks is invalid_blocks, 50 are fine."""
    assert client.chat_postMessage(channel="C1", text="ok", blocks=[SECTION] * 50)["ok"]
    assert error_of(client.chat_postMessage, channel="C1", text="x", blocks=[SECTION] * 51) == "invalid_blocks"


def test_long_section_and_long_text_are_refused(client: WebClient) -> None:
    """A section text over 3000 chars is invalid_blocks; a text over 40,000 chars is msg_too_long."""
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert error_of(client.chat_postMessage, channel="C1", text="x", blocks=[long_section]) == "invalid_blocks"
    assert error_of(client.chat_postMessage, channel="C1", text="x" * 40_001) == "msg_too_long"


def test_views_with_more_than_100_blocks_are_invalid_arguments(client: WebClient) -> None:
    """A view with 101 blocks is invalid_arguments."""
    home = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert error_of(client.views_publish, user_id="U1", view=home) == "invalid_arguments"


def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlack) -> None:
    """A 429 with Retry-After is retried by RateLimitErrorRetryHandler; the fake sees two calls."""
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    retrying = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler()])
    assert retrying.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake.messages("C1")) == 1


def test_rate_limit_answer_carries_retry_after(fake: FakeSlack, client: WebClient) -> None:
    """Without a retry handler the 429 reaches the caller with Retry-After and error ratelimited."""
    fake.fail_next("*", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U1")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.response["error"] == "ratelimited"


def test_server_error_and_injected_error(fake: FakeSlack, client: WebClient) -> None:
    """fail_next 500 answers a server error once; status=200 with error answers that Slack error."""
    fake.fail_next("auth.test", status=500)
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 500
    assert client.auth_test()["ok"]
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found", times=2)
    assert error_of(client.chat_postMessage, channel="C1", text="a") == "channel_not_found"
    assert error_of(client.chat_postMessage, channel="C1", text="b") == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="c")["ok"]


def test_wait_for_and_reset(fake: FakeSlack, client: WebClient) -> None:
    """wait_for returns once a call from another thread arrives, raises on timeout; reset forgets calls."""
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="later")).start()
    assert fake.wait_for("chat.postMessage", timeout=5)[0].args["text"] == "later"
    with pytest.raises(AssertionError):
        fake.wait_for("chat.postMessage", count=2, timeout=0.05)
    fake.reset()
    assert fake.calls == [] and fake.messages("C1") == []
    assert client.users_info(user="U1")["ok"]  # users are kept


class _Verifying(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = SignatureVerifier("s3cret").is_valid_request(body, dict(self.headers.items()))
        self.server.seen.append((dict(self.headers.items()), body))
        self.send_response(200 if valid else 401)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok" if valid else b"no")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def app_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Verifying)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_sender_signatures_verify(app_server: ThreadingHTTPServer) -> None:
    """SlackSender's requests pass SignatureVerifier; a wrong secret or stale timestamp comes back as 401."""
    sender = SlackSender(f"http://127.0.0.1:{app_server.server_address[1]}", "s3cret")
    assert sender.command("/pm", "status", user_id="U1", channel_id="C1").status == 200
    assert sender.event({"type": "app_mention", "user": "U1", "text": "hi"}, retry_num=1).status == 200
    assert sender.block_action(user_id="U1", action_id="done", value="7", channel_id="C1").status == 200
    assert sender.view_submission(user_id="U1", callback_id="m", values={"b": {"a": {"value": "x"}}}).status == 200
    assert sender.url_verification("abc").status == 200
    bad = sender.post(b"command=%2Fpm", "application/x-www-form-urlencoded", secret="wrong")
    assert (bad.status, bad.text) == (401, "no")
    assert sender.post(b"{}", "application/json", timestamp=int(time.time()) - 600).status == 401
    seen = app_server.seen  # type: ignore[attr-defined]
    command = parse_qs(seen[0][1].decode())
    assert command["command"] == ["/pm"] and command["text"] == ["status"] and command["trigger_id"][0]
    event = json.loads(seen[1][1])
    assert event["type"] == "event_callback" and event["event"]["type"] == "app_mention"
    assert seen[1][0]["X-Slack-Retry-Num"] == "1"
    action = json.loads(parse_qs(seen[2][1].decode())["payload"][0])
    assert action["type"] == "block_actions" and action["actions"][0]["value"] == "7"


def test_history_answers_newest_first_a_page_at_a_time_with_metadata_only_when_asked(
    fake: FakeSlack, client: WebClient
) -> None:
    """conversations.history: top-level messages newest first within oldest (inclusive only when asked), paged by
    limit and cursor with has_more; a post's metadata is shown only with include_all_metadata."""
    metadata = {"event_type": "task", "event_payload": {"id": "1"}}
    posted = [client.chat_postMessage(channel="C1", text=f"m{n}", metadata=metadata)["ts"] for n in range(3)]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=posted[0])
    first = client.conversations_history(channel="C1", oldest=posted[0], inclusive=True, limit=2)
    assert (["m2", "m1"], True) == ([m["text"] for m in first["messages"]], first["has_more"])
    assert all("metadata" not in m for m in first["messages"])
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel="C1", oldest=posted[0], inclusive=True, limit=2, cursor=cursor)
    assert (["m0"], False, "") == (
        [m["text"] for m in rest["messages"]],
        rest["has_more"],
        rest["response_metadata"]["next_cursor"],
    )
    exclusive = client.conversations_history(channel="C1", oldest=posted[0], include_all_metadata=True)
    assert [metadata, metadata] == [m["metadata"] for m in exclusive["messages"]]


def test_replies_answer_the_parent_then_its_replies_oldest_first(fake: FakeSlack, client: WebClient) -> None:
    """conversations.replies: the thread's parent, then its replies oldest first; an unknown ts is thread_not_found."""
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    for text in ("r1", "r2"):
        client.chat_postMessage(channel="C1", text=text, thread_ts=parent)
    thread = client.conversations_replies(channel="C1", ts=parent)
    assert ["parent", "r1", "r2"] == [m["text"] for m in thread["messages"]]
    assert "thread_not_found" == error_of(client.conversations_replies, channel="C1", ts="1.000001")


def test_history_is_refused_as_slack_refuses(fake: FakeSlack, client: WebClient) -> None:
    """A user's id is not a conversation; a private channel pmbot is not in is not found; a public one it is not
    in answers not_in_channel; a DM is read by the id conversations.open gives."""
    fake.add_channel("C2", name="secret", members=["U1"], is_private=True)
    fake.add_channel("C3", name="open", members=["U1"])
    assert "channel_not_found" == error_of(client.conversations_history, channel="U1")
    assert "channel_not_found" == error_of(client.conversations_history, channel="C2")
    assert "not_in_channel" == error_of(client.conversations_history, channel="C3")
    client.chat_postMessage(channel="U1", text="hi")
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert ["hi"] == [m["text"] for m in client.conversations_history(channel=dm)["messages"]]


@pytest.mark.parametrize("metadata", ["not json", {"event_payload": {}}, {"event_type": "x", "event_payload": "y"}])
def test_malformed_metadata_is_refused(client: WebClient, metadata: Any) -> None:
    """chat.postMessage refuses metadata that is not an event_type with an event_payload object."""
    assert "invalid_metadata_format" == error_of(client.chat_postMessage, channel="C1", text="x", metadata=metadata)
