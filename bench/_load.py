"""The load generator: worker processes, each with a pool of threads, sending signed slash commands."""

from __future__ import annotations

import multiprocessing
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from tests.slack_requests import SlackSender

CREATED = "Created A-"


@dataclass(frozen=True)
class Request:
    """One slash command to send: who sends it, what they type, and what a good answer holds."""

    user_id: str
    text: str
    command: str = "/action"
    expect: str = CREATED


@dataclass(frozen=True)
class Result:
    """What one request took and got: status 0 means no HTTP answer at all.

    `seconds` is to the acknowledgement. An app that answers after acknowledging posts to `response_url`, where
    the Slack stand-in records the time (`answered` pairs them); an app that answers in the acknowledgement has
    its answer in `body`.
    """

    seconds: float
    status: int
    expected: bool  # a 200 whose body holds the request's `expect` (False until an answer is paired with it)
    started: float  # time.monotonic(), comparable across processes on one machine
    ended: float
    error: str = ""
    response_url: str = ""
    body: str = ""
    expect: str = ""


@dataclass(frozen=True)
class Target:
    """Where and how to send: the app's URL and the fields every request shares."""

    base_url: str
    signing_secret: str
    channel_id: str
    channel_name: str
    response_url_base: str


_barrier: Any = None


def _remember_barrier(barrier: Any) -> None:
    global _barrier
    _barrier = barrier


def send(target: Target, request: Request, sender: SlackSender | None = None) -> Result:
    """Send one signed slash command and time it from sending to having read the whole answer."""
    sender = sender or _sender(target)
    started = time.monotonic()
    t0 = time.perf_counter()
    fields = sender.command_fields(
        request.command, request.text, user_id=request.user_id, channel_id=target.channel_id,
        channel_name=target.channel_name,
    )  # fmt: skip
    try:
        answer = sender.post_form(fields)
        status, body = answer.status, answer.text
    except Exception as err:  # a timeout or a refused connection: no answer at all
        status, body = 0, f"{type(err).__name__}: {err}"
    seconds = time.perf_counter() - t0
    if status == 200 and request.expect and not body.strip():  # answered after the acknowledgement: in flight
        # until the answer comes
        await_answer(str(fields["response_url"]))
    expected = status == 200 and request.expect in body
    error = "" if expected else body[:300]
    return Result(seconds, status, expected, started, time.monotonic(), error, str(fields["response_url"]), body,
                  request.expect)  # fmt: skip


def await_answer(response_url: str, *, patience: float = 120.0) -> bool:
    """Wait until the Slack stand-in has the answer posted to `response_url` (a GET of the same URL returns when it
    has, or after a minute), so that a request stays in flight until its person has the answer; answer whether it
    came."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(response_url, timeout=90) as found:
                return bool(found.status == 200)
        except urllib.error.HTTPError as error:
            error.close()
        except OSError:
            pass
        time.sleep(0.025)  # the stand-in's own clock times the answer: polling only ends the wait
    return False


def answered(results: list[Result], posts: list[tuple[str, float, str]]) -> list[tuple[Result, float | None]]:
    """Pair each result with the seconds from sending to its answer: the acknowledgement's if it carried the answer,
    else the first post to its response_url (`posts`: path, time.monotonic(), text); None if none came.
    A paired result is `expected` when its answer holds what the request expects."""
    first: dict[str, tuple[float, str]] = {}
    for path, at, text in posts:
        first.setdefault(path, (at, text))
    paired = []
    for result in results:
        if result.expected or result.status != 200:
            paired.append((result, result.seconds if result.expected else None))
            continue
        found = first.get(urlsplit(result.response_url).path)
        if found is None:
            paired.append((result, None))
            continue
        at, text = found
        ok = result.expect in text
        paired.append((replace(result, expected=ok, error="" if ok else text[:300]), at - result.started))
    return paired


def _sender(target: Target) -> SlackSender:
    return SlackSender(
        target.base_url, target.signing_secret, response_url_base=target.response_url_base, timeout=120.0
    )


def _worker(target: Target, requests: list[Request], threads: int) -> list[Result]:
    """In a worker process: wait until every worker is ready, then send with `threads` threads."""
    sender = _sender(target)
    _barrier.wait(timeout=120)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda r: send(target, r, sender), requests))


def run_load(target: Target, requests: list[Request], *, concurrency: int, processes: int = 2) -> list[Result]:
    """Send every request with `concurrency` requests in flight, spread over `processes` worker processes."""
    processes = max(1, min(processes, concurrency))
    shares = [requests[i::processes] for i in range(processes)]
    threads = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs server threads
    barrier = context.Barrier(processes)
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=_remember_barrier, initargs=(barrier,)
    ) as pool:
        futures = [pool.submit(_worker, target, share, n) for share, n in zip(shares, threads, strict=True)]
        return [result for future in futures for result in future.result()]


def answers_posted(
    fake: Any, *, at_least: int, since: int = 0, patience: float = 120.0
) -> list[tuple[str, float, str]]:
    """The response_url posts the stand-in received after its first `since` calls (path, when, text), once
    `at_least` have come (or patience ran out: the missing answers count as not as expected)."""
    deadline = time.monotonic() + patience
    while True:
        posts = [
            (c.path, c.at, str(c.args.get("text") or "")) for c in fake.calls[since:] if c.method == "response_url"
        ]
        if len(posts) >= at_least or time.monotonic() > deadline:
            return posts
        time.sleep(0.1)
