"""Channel state that must outlive a process: OAuth token pairs and already-handled events.

The only module that queries ``channel_tokens`` and ``zalo_seen_messages``.

Zalo's refresh tokens are single-use: a refresh returns a new access token *and* a new refresh
token, and the old refresh token is dead. A pair that is lost (process killed between the
refresh and a write, two processes refreshing at once) means an administrator has to authorise
the Official Account again. Hence:

- the new pair is written to the database before it is handed to anyone;
- a process holds one refresh at a time (an ``asyncio.Lock``) and re-reads the database first,
  so concurrent "token expired" answers lead to one refresh, not a burst that burns the pair;
- after a failed refresh the database is read again: another process may have refreshed.

Nothing here logs a token, a secret or a response body: only HTTP statuses and Zalo's numeric
error codes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import aiohttp
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from assistant.db.models import ChannelToken, ZaloSeenMessage
from assistant.db.session import session_scope

logger = logging.getLogger(__name__)

# Width of zalo_seen_messages.msg_id; longer keys are stored as their sha256.
MAX_KEY_CHARS = 128


def utcnow() -> datetime:
    """Naive UTC, as the token and seen-message columns store it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    # None: unknown (the initial pair from the environment); trusted until the API refuses it.
    expires_at: datetime | None = None

    def expires_within(self, margin: timedelta, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at - margin <= (now or utcnow())


class TokenRepository:
    """Reads and writes one channel's row of ``channel_tokens``."""

    def __init__(self, channel: str, url: str | None = None) -> None:
        self.channel = channel
        self.url = url

    def load(self) -> TokenPair | None:
        with session_scope(self.url) as session:
            row = session.execute(
                select(ChannelToken).where(ChannelToken.channel == self.channel)
            ).scalar_one_or_none()
            if row is None:
                return None
            return TokenPair(row.access_token, row.refresh_token, row.expires_at)

    def save(self, pair: TokenPair) -> None:
        """Insert or update the channel's pair (the unique channel name settles a race)."""
        for _ in range(2):
            try:
                with session_scope(self.url) as session:
                    row = session.execute(
                        select(ChannelToken).where(ChannelToken.channel == self.channel)
                    ).scalar_one_or_none()
                    if row is None:
                        row = ChannelToken(channel=self.channel)
                        session.add(row)
                    row.access_token = pair.access_token
                    row.refresh_token = pair.refresh_token
                    row.expires_at = pair.expires_at
                    row.updated_at = utcnow()
                return
            except IntegrityError:  # another process inserted the row first: update it
                continue
        raise RuntimeError(f"could not store the {self.channel} token pair")


class SeenMessages:
    """Keys of webhook events already handled, shared by every process using the database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url

    @staticmethod
    def _key(key: str) -> str:
        if len(key) <= MAX_KEY_CHARS:
            return key
        return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()

    def first_time(self, key: str) -> bool:
        """Record ``key``; False if it was already there. The unique index decides, so two
        processes receiving the same redelivery cannot both answer it."""
        try:
            with session_scope(self.url) as session:
                session.add(ZaloSeenMessage(msg_id=self._key(key), seen_at=utcnow()))
            return True
        except IntegrityError:
            return False

    def prune(self, older_than: timedelta) -> int:
        """Forget events older than Zalo would ever redeliver."""
        with session_scope(self.url) as session:
            result = session.execute(
                delete(ZaloSeenMessage).where(ZaloSeenMessage.seen_at < utcnow() - older_than)
            )
            return result.rowcount or 0


class TokenRefreshError(Exception):
    """No valid access token could be obtained (the message that needed it stays pending)."""


def _expiry(expires_in: Any, now: datetime) -> datetime | None:
    try:
        seconds = float(str(expires_in).strip())
    except ValueError:
        return None
    return now + timedelta(seconds=seconds) if seconds > 0 else None


class ZaloTokenManager:
    """Hands out a usable OA access token and refreshes it through Zalo's OAuth v4 API.

    ``POST {oauth_base}/v4/oa/access_token`` with header ``secret_key: <app secret>`` and a form
    body ``app_id, grant_type=refresh_token, refresh_token``; the answer carries
    ``access_token``, ``refresh_token`` and ``expires_in`` (seconds, string or number).
    """

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        oauth_base: str,
        initial: TokenPair | None,
        repository: TokenRepository,
        attempts: int = 3,
        backoff: float = 1.0,
        margin: timedelta = timedelta(minutes=5),
        timeout: float = 10.0,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.oauth_base = oauth_base.rstrip("/")
        self.initial = initial
        self.repository = repository
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.margin = margin
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._lock = asyncio.Lock()
        # A pair Zalo issued that could not be stored yet: never refreshed over, never used
        # before it is stored (its refresh token is the only live one).
        self._unsaved: TokenPair | None = None

    async def current(self) -> TokenPair | None:
        """The database's pair once there is one, else the environment's initial pair."""
        if self._unsaved is not None:
            await self._store(self._unsaved)
            self._unsaved = None
        stored = await asyncio.to_thread(self.repository.load)
        return stored or self.initial

    async def access_token(self) -> str:
        """A token to call the API with, refreshed first if it expires within the margin."""
        try:
            pair = await self.current()
        except Exception as error:  # noqa: BLE001 - database down: the message waits
            raise TokenRefreshError(f"token store unavailable ({type(error).__name__})") from None
        if pair is None or not pair.access_token:
            if pair is not None and pair.refresh_token:
                return (await self.refresh(stale_access_token="")).access_token
            raise TokenRefreshError("no Zalo access token configured")
        if pair.expires_within(self.margin):
            return (await self.refresh(stale_access_token=pair.access_token)).access_token
        return pair.access_token

    async def refresh(self, stale_access_token: str | None) -> TokenPair:
        """A new pair, stored before it is returned. ``stale_access_token`` is the one the API
        refused: if the stored pair already differs, another caller refreshed and that wins."""
        async with self._lock:
            try:
                pair = await self.current()
            except Exception as error:  # noqa: BLE001
                raise TokenRefreshError(
                    f"token store unavailable ({type(error).__name__})"
                ) from None
            if (
                pair is not None
                and pair.access_token
                and pair.access_token != stale_access_token
                and not pair.expires_within(self.margin)
            ):
                return pair
            if pair is None or not pair.refresh_token:
                raise TokenRefreshError("no Zalo refresh token configured")
            for attempt in range(1, self.attempts + 1):
                issued = await self._request(pair.refresh_token, attempt)
                if issued is not None:
                    try:
                        await self._store(issued)
                    except Exception as error:  # noqa: BLE001
                        self._unsaved = issued
                        logger.error(
                            "Zalo issued a new token pair but it could not be stored (%s); "
                            "it is kept in memory and stored before first use",
                            type(error).__name__,
                        )
                        raise TokenRefreshError("new token pair not stored yet") from None
                    logger.info("Zalo access token refreshed and stored")
                    return issued
                try:  # another process may have refreshed (and spent our refresh token)
                    latest = await asyncio.to_thread(self.repository.load)
                except Exception:  # noqa: BLE001
                    latest = None
                if latest is not None and latest.refresh_token != pair.refresh_token:
                    logger.info("Zalo token pair was refreshed by another process")
                    return latest
                if attempt < self.attempts:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            raise TokenRefreshError(f"Zalo token refresh failed {self.attempts} times")

    async def _store(self, pair: TokenPair) -> None:
        await asyncio.to_thread(self.repository.save, pair)

    async def _request(self, refresh_token: str, attempt: int) -> TokenPair | None:
        form = {
            "app_id": self.app_id,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as http:
                async with http.post(
                    f"{self.oauth_base}/v4/oa/access_token",
                    data=form,
                    headers={"secret_key": self.app_secret},
                ) as answer:
                    status = answer.status
                    body = await answer.json(content_type=None) if status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning(
                "Zalo token refresh attempt %d/%d failed: %s",
                attempt,
                self.attempts,
                type(error).__name__,
            )
            return None
        if status != 200 or not isinstance(body, Mapping):
            logger.warning(
                "Zalo token refresh attempt %d/%d failed: HTTP %d", attempt, self.attempts, status
            )
            return None
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            logger.warning(
                "Zalo token refresh attempt %d/%d refused: error %s",
                attempt,
                self.attempts,
                _error_code(body),
            )
            return None
        return TokenPair(access, refresh, _expiry(body.get("expires_in"), utcnow()))


def _error_code(body: Mapping[str, Any]) -> str:
    """Zalo's numeric error code only: the message fields may echo what was sent."""
    code = body.get("error")
    return str(code) if isinstance(code, (int, str)) and str(code).lstrip("-").isdigit() else "?"
