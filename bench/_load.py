"""The load generator: worker processes, each with a pool of threads, sending signed slash commands."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

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
    """What one request took and got: status 0 means no HTTP answer at all."""

    seconds: float
    status: int
    expected: bool  # a 200 whose body holds the request's `expect`
    started: float  # time.monotonic(), comparable across processes on one machine
    ended: float
    error: str = ""


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
    try:
        answer = sender.command(
            request.command,
            request.text,
            user_id=request.user_id,
            channel_id=target.channel_id,
            channel_name=target.channel_name,
        )
        status, body = answer.status, answer.text
    except Exception as err:  # a timeout or a refused connection: no answer at all
        status, body = 0, f"{type(err).__name__}: {err}"
    seconds = time.perf_counter() - t0
    expected = status == 200 and request.expect in body
    error = "" if expected else body[:300]
    return Result(seconds, status, expected, started, time.monotonic(), error)


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
