"""Login throttling: failure counters per account and per client address.

Counters must hold across server processes and restarts, so they live in the database
(table `login_throttle`) by default and on Redis (INCR + EXPIRE) when REDIS_URL is set.
The policy is a fixed window: LOGIN_FAILURE_WINDOW_MINUTES after the first failure, the
failures within it are counted; reaching the scope's limit locks that account or address for
LOGIN_LOCK_MINUTES, and the count starts again after the lock (config.py has the figures).
Stores never commit: the caller commits together with its audit rows.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, case, delete, null, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle

ACCOUNT = "account"
ADDRESS = "address"
KEY_MAX = 255


@dataclass(frozen=True)
class Limits:
    """How many failures each scope may have within `window` before a `lock` of that length."""

    account_failures: int
    address_failures: int
    window: timedelta
    lock: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            account_failures=int(config["LOGIN_ACCOUNT_MAX_FAILURES"]),
            address_failures=int(config["LOGIN_ADDRESS_MAX_FAILURES"]),
            window=timedelta(minutes=float(config["LOGIN_FAILURE_WINDOW_MINUTES"])),
            lock=timedelta(minutes=float(config["LOGIN_LOCK_MINUTES"])),
        )

    def max_failures(self, scope: str) -> int:
        return self.account_failures if scope == ACCOUNT else self.address_failures


@dataclass(frozen=True)
class Failure:
    """A failure as counted: the failures in the window, and the lock it started (if any)."""

    failures: int
    locked_until: datetime | None = None


class ThrottleStore(Protocol):
    def locked_until(self, scope: str, key: str, now: datetime) -> datetime | None:
        """The end of a lock still running at `now`, or None."""
        ...

    def register_failure(self, scope: str, key: str, limits: Limits, now: datetime) -> Failure:
        """Count one failure; lock when it reaches the scope's limit."""
        ...

    def reset(self, scope: str, key: str) -> None:
        """Forget the failures of this key (after a successful login)."""
        ...


def normalize_username(username: str) -> str:
    """The account key: NFKC, trimmed, case-folded, so that `Eva` and `eva ` share one count."""
    return unicodedata.normalize("NFKC", username).strip().casefold()[:KEY_MAX]


def account_key(username: str) -> str:
    """The stored account key: a SHA-256 of the normalized name, since people sometimes type
    their password into the username field and the table must not keep it."""
    return hashlib.sha256(normalize_username(username).encode("utf-8")).hexdigest()


def address_key(address: str | None) -> str:
    return (address or "unknown")[:KEY_MAX]


class DatabaseStore:
    """Counters in `login_throttle`; every change is one atomic UPDATE on the row."""

    table = LoginThrottle.__table__

    def _where(self, scope: str, key: str) -> Any:
        return and_(self.table.c.scope == scope, self.table.c.key == key)

    def locked_until(self, scope: str, key: str, now: datetime) -> datetime | None:
        until = db.session.scalar(select(self.table.c.locked_until).where(self._where(scope, key)))
        return until if until is not None and until > now else None

    def register_failure(self, scope: str, key: str, limits: Limits, now: datetime) -> Failure:
        c = self.table.c
        self._ensure_row(scope, key, now)
        # a window that has passed, or a lock that has ended, starts the count again
        stale = or_(
            c.window_start <= now - limits.window,
            and_(c.locked_until.is_not(None), c.locked_until <= now),
        )
        db.session.execute(
            update(self.table)
            .where(self._where(scope, key))
            .values(
                failures=case((stale, 1), else_=c.failures + 1),
                window_start=case((stale, now), else_=c.window_start),
                locked_until=case((stale, null()), else_=c.locked_until),
            )
        )
        failures = db.session.scalar(select(c.failures).where(self._where(scope, key))) or 0
        if failures < limits.max_failures(scope):
            return Failure(failures)
        until = now + limits.lock
        started = db.session.execute(
            update(self.table)
            .where(self._where(scope, key), c.locked_until.is_(None))
            .values(locked_until=until)
        )
        return Failure(failures, until if started.rowcount else None)  # type: ignore[attr-defined]

    def reset(self, scope: str, key: str) -> None:
        db.session.execute(delete(self.table).where(self._where(scope, key)))

    def _ensure_row(self, scope: str, key: str, now: datetime) -> None:
        values = {"scope": scope, "key": key, "failures": 0, "window_start": now}
        dialect = db.session.get_bind().dialect.name
        if dialect == "sqlite":
            from sqlalchemy.dialects import sqlite

            db.session.execute(sqlite.insert(self.table).values(**values).on_conflict_do_nothing())
            return
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            db.session.execute(
                postgresql.insert(self.table).values(**values).on_conflict_do_nothing()
            )
            return
        exists = db.session.scalar(select(self.table.c.failures).where(self._where(scope, key)))
        if exists is None:
            try:
                with db.session.begin_nested():
                    db.session.execute(self.table.insert().values(**values))
            except IntegrityError:
                pass  # another process inserted it first


class RedisStore:
    """Counters on Redis: INCR with an EXPIRE of the window, a lock key with the lock's TTL."""

    def __init__(self, client: Any, prefix: str = "reviewapp:login") -> None:
        self.client = client
        self.prefix = prefix

    def _keys(self, scope: str, key: str) -> tuple[str, str]:
        base = f"{self.prefix}:{scope}:{key}"
        return f"{base}:failures", f"{base}:lock"

    def locked_until(self, scope: str, key: str, now: datetime) -> datetime | None:
        _, lock_key = self._keys(scope, key)
        ttl_ms = self.client.pttl(lock_key)
        return now + timedelta(milliseconds=ttl_ms) if ttl_ms and ttl_ms > 0 else None

    def register_failure(self, scope: str, key: str, limits: Limits, now: datetime) -> Failure:
        count_key, lock_key = self._keys(scope, key)
        failures = int(self.client.incr(count_key))
        if failures == 1 or self.client.ttl(count_key) < 0:
            self.client.expire(count_key, max(1, int(limits.window.total_seconds())))
        if failures < limits.max_failures(scope):
            return Failure(failures)
        lock_seconds = max(1, int(limits.lock.total_seconds()))
        started = self.client.set(lock_key, failures, ex=lock_seconds, nx=True)
        self.client.delete(count_key)  # the count starts again after the lock
        return Failure(failures, now + limits.lock if started else None)

    def reset(self, scope: str, key: str) -> None:
        self.client.delete(*self._keys(scope, key))


_redis_clients: dict[str, Any] = {}


def store_for(config: Mapping[str, Any]) -> ThrottleStore:
    """Redis when REDIS_URL is configured (the `redis` package of the [scale] extra), else the DB."""
    url = config.get("REDIS_URL")
    if not url:
        return DatabaseStore()
    client = _redis_clients.get(url)
    if client is None:
        import redis  # optional: pip install -e '.[scale]'

        client = _redis_clients[url] = redis.Redis.from_url(url)
    return RedisStore(client)
