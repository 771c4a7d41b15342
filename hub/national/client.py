"""The hub's one adapter to the national platform's push interface.

The real national interface is not public; the hub speaks its own protocol
(:mod:`hub.national.protocol`) to whatever is at ``base_url``, today the test peer
``hub national-sim``. Everything that knows about HTTP lives here, so connecting to the real
platform later means replacing this module and nothing else.

Failures leave this module only as the hub's own errors; ``httpx`` exceptions never do:

- :class:`~hub.errors.TransientDeliveryError` after ``attempts`` tries of a connection error, a
  timeout, a 5xx or a 429; its ``retry_after`` is the peer's ``Retry-After`` when it sent one.
  The items may or may not have been taken (a reply lost after the commit looks like a timeout);
  the caller re-pushes the same keys later and gets ``duplicate`` for those that were.
- :class:`~hub.errors.PermanentDeliveryError` at once for any other refusal (400, 413, other 4xx)
  and for a reply that does not answer every key.

Item content may hold personal data: it is sent, never logged or quoted in an error.
"""

from __future__ import annotations

import email.utils
import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    wait_exponential,
    wait_random,
)

from hub.errors import ConfigError, PermanentDeliveryError, TransientDeliveryError
from hub.national.protocol import (
    PUSH_PATH,
    TASKS_PATH,
    ErrorBody,
    PushBatch,
    PushItem,
    PushReply,
    PushResult,
    TaskPage,
)
from hub.national.wire import ProtocolError, decode_body, encode_body

__all__ = ["MAX_INLINE_WAIT_S", "NationalClient"]

log = logging.getLogger(__name__)

MAX_INLINE_WAIT_S = 10.0
"""The longest pause ``push`` makes between tries. A peer asking for a longer ``Retry-After`` gets
no further try now: the error carries the delay so the caller's scheduler waits, not a thread."""

_MAX_RETRY_AFTER_S = 3600.0  # a larger Retry-After is more likely a bug than a plan
_MAX_PEER_MESSAGE = 200  # keep a peer's error text short in our logs and errors


class _RetryableError(Exception):
    """One failed try that is worth another; internal to the retry loop."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)  # lenient: "1.5" is not HTTP, but its meaning is plain
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER_S)


def _peer_error(response: httpx.Response) -> str:
    """``HTTP 413 NAT.TOO_LARGE: ...`` from a protocol error body, or just the status."""
    text = f"HTTP {response.status_code}"
    try:
        error = ErrorBody.from_json(decode_body(response.content))
    except ProtocolError:
        return text
    return f"{text} {error.code}: {error.message[:_MAX_PEER_MESSAGE]}"


class NationalClient:
    """Pushes batches of record versions to the national platform, retrying what is transient.

    Safe to share between threads (one connection pool). Use it as a context manager, or call
    :meth:`close`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 5.0,
        attempts: int = 3,
        backoff_s: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if attempts < 1:
            raise ConfigError(f"national client attempts must be at least 1, not {attempts}")
        if not timeout_s > 0:
            raise ConfigError(f"national client timeout_s must be positive, not {timeout_s}")
        if not backoff_s >= 0:
            raise ConfigError(f"national client backoff_s must not be negative, not {backoff_s}")
        self._attempts = attempts
        self._backoff_s = backoff_s
        # Exponential with jitter, so hubs that failed together do not retry together.
        self._backoff = wait_exponential(multiplier=backoff_s, max=MAX_INLINE_WAIT_S) + wait_random(
            0, backoff_s
        )
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ConfigError(f"national client base_url {base_url!r} is unusable: {exc}") from None
        if url.scheme not in ("http", "https") or not url.host or not 0 < (url.port or 80) < 65536:
            raise ConfigError(
                f"national client base_url {base_url!r} needs http(s), a host and a valid port"
            )
        try:
            self._http = httpx.Client(
                base_url=base_url,
                timeout=timeout_s,
                transport=transport,
                follow_redirects=False,  # a redirected push is a misconfiguration, not a route
                headers={"User-Agent": "supervision-data-hub"},
            )
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise ConfigError(f"national client base_url {base_url!r} is unusable: {exc}") from None

    def push(self, batch_id: str, items: Sequence[PushItem]) -> list[PushResult]:
        """Push one batch; one result per distinct idempotency key, in the items' order.

        A batch is the unit of one HTTP exchange, not of acceptance: each key is answered on its
        own, so a partly rejected batch is a normal reply, not an error.
        """
        keys = list(dict.fromkeys(item.idempotency_key for item in items))
        if not keys:
            return []
        try:
            body = encode_body(PushBatch(batch_id, tuple(items)).to_json())
        except ProtocolError as exc:
            raise PermanentDeliveryError(f"national push {batch_id}: the batch is {exc}") from None
        tries = 0

        def attempt() -> PushReply:
            nonlocal tries
            tries += 1
            return self._post(batch_id, body)

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.info(
                "national push %s: try %d of %d failed (%s); next try in %.2fs",
                batch_id,
                state.attempt_number,
                self._attempts,
                exc.reason if isinstance(exc, _RetryableError) else exc,
                wait,
            )

        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type(_RetryableError),
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            reply = retrying(attempt)
        except _RetryableError as exc:
            retry_after = exc.retry_after
            if retry_after is None:
                retry_after = min(self._backoff_s * 2**tries, 60.0)
            raise TransientDeliveryError(
                f"national push {batch_id} failed after {tries} tries: {exc.reason}",
                retry_after=retry_after,
            ) from None
        return _match(batch_id, keys, reply)

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self._attempts:
            return True
        exc = state.outcome.exception() if state.outcome else None
        # A peer asking for a long pause gets it from the caller's scheduler, not from a sleep here.
        return (
            isinstance(exc, _RetryableError)
            and exc.retry_after is not None
            and exc.retry_after > MAX_INLINE_WAIT_S
        )

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    def _post(self, batch_id: str, body: bytes) -> PushReply:
        try:
            response = self._http.post(
                PUSH_PATH,
                content=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        except httpx.TimeoutException as exc:
            raise _RetryableError(f"timed out ({exc.__class__.__name__})") from None
        except httpx.UnsupportedProtocol as exc:
            raise PermanentDeliveryError(
                f"national push {batch_id}: unsupported URL scheme ({exc})"
            ) from None
        except httpx.TransportError as exc:
            raise _RetryableError(f"connection failed ({exc.__class__.__name__})") from None
        except httpx.HTTPError as exc:  # anything else httpx raises: not worth a retry
            raise PermanentDeliveryError(
                f"national push {batch_id}: HTTP client error ({exc.__class__.__name__})"
            ) from None
        status = response.status_code
        if status == 200:
            try:
                return PushReply.from_json(decode_body(response.content))
            except ProtocolError as exc:
                raise PermanentDeliveryError(
                    f"national push {batch_id}: malformed reply: {exc}"
                ) from None
        if status == 429 or status >= 500:
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
            raise _RetryableError(_peer_error(response), retry_after)
        raise PermanentDeliveryError(f"national push {batch_id} refused: {_peer_error(response)}")

    def tasks(self, after: int, limit: int = 100) -> TaskPage:
        """Tasks and risk clues the national platform issued after ``after`` (one try: the
        caller polls again later)."""
        try:
            response = self._http.get(TASKS_PATH, params={"after": after, "limit": limit})
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(
                f"national tasks: {exc.__class__.__name__}", retry_after=self._backoff_s
            ) from None
        if response.status_code != 200:
            raise TransientDeliveryError(
                f"national tasks: {_peer_error(response)}", retry_after=self._backoff_s
            )
        try:
            return TaskPage.from_json(decode_body(response.content))
        except ProtocolError as exc:
            raise PermanentDeliveryError(f"national tasks: malformed reply: {exc}") from None

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _match(batch_id: str, keys: list[str], reply: PushReply) -> list[PushResult]:
    """The reply's results in the pushed keys' order, each key once.

    A peer may repeat a result (duplicate acks) or, for a key sent twice in one batch, answer it
    twice differently; an acknowledgement wins over a rejection, else the first answer stands.
    """
    if reply.batch_id != batch_id:
        raise PermanentDeliveryError(
            f"national push {batch_id}: the reply is for batch {reply.batch_id!r}"
        )
    wanted = set(keys)
    by_key: dict[str, PushResult] = {}
    for result in reply.results:
        key = result.idempotency_key
        if key not in wanted:
            raise PermanentDeliveryError(
                f"national push {batch_id}: the reply answers key {key!r}, which was not pushed"
            )
        seen = by_key.get(key)
        if seen is None or (result.acknowledged and not seen.acknowledged):
            by_key[key] = result
    missing = [key for key in keys if key not in by_key]
    if missing:
        raise PermanentDeliveryError(
            f"national push {batch_id}: the reply misses {len(missing)} of {len(keys)} keys "
            f"(first {missing[0]!r})"
        )
    return [by_key[key] for key in keys]
