"""The one Web API client set-up: SLACK_API_URL honoured, 429 Retry-After honoured, 5xx retried."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.settings import Settings

TIMEOUT_SECONDS = 10


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """Retry every 5xx (slack_sdk's own handler retries only 500 and 503)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def make_client(settings: Settings, *, patient: bool = True, token: str | None = None) -> WebClient:
    """Return a WebClient for pmbot.

    A patient client (the scheduler's) waits out rate limits and server errors; an impatient one
    (used while a person waits for an HTTP response) tries once and leaves retries to the outbox.
    """
    return WebClient(
        token=token or settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS if patient else 3,
        retry_handlers=_patient_handlers() if patient else [],
    )


def patient_copy(client: WebClient) -> WebClient:
    """The same workspace and Slack as `client`, but waiting out rate limits and server errors (for background work)."""
    return WebClient(
        token=client.token, base_url=client.base_url, timeout=TIMEOUT_SECONDS, retry_handlers=_patient_handlers()
    )


def _patient_handlers() -> list[RetryHandler]:
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        AnyServerErrorRetryHandler(max_retry_count=3),
    ]
