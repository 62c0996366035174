"""Users and roles, logins, passwords, and the session version that ends sessions.

Every change is audited in the same transaction. Services take ids and the acting user's id
(None for the command line) and raise ServiceError subclasses with readable messages.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Role, User, utcnow
from . import audit, throttle
from .errors import Forbidden, NotFound, ServiceError

# NIST SP 800-63B: user-chosen passwords of at least 8 characters.
MIN_PASSWORD_LENGTH = 8


class PasswordTooShort(ServiceError):
    """A new password under MIN_PASSWORD_LENGTH characters."""


class WrongPassword(ServiceError):
    """The current password given to confirm a change is wrong."""


class LastAdmin(Forbidden):
    """The change would leave no active admin."""


class OwnAccount(Forbidden):
    """An admin may not deactivate their own account."""


class UserExists(ServiceError):
    """The username is taken."""


class LoginRefused(ServiceError):
    """Wrong username or password, or an inactive account: one answer for all three."""


class LoginThrottled(ServiceError):
    """Too many failures for this account or address; carries when to retry."""

    def __init__(self, locked_until: datetime, now: datetime) -> None:
        self.retry_after_seconds = max(1, math.ceil((locked_until - now).total_seconds()))
        super().__init__(f"too many login attempts: try again in {self.retry_minutes} minutes")

    @property
    def retry_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_seconds / 60))


def check_new_password(password: str) -> None:
    """Raise ServiceError unless the password is acceptable (length only, as NIST advises)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    actor_id: int | None = None,
) -> User:
    """A new active user; ServiceError for an empty or taken name, an unknown role, a short password."""
    username = username.strip()
    if not username:
        raise ServiceError("username is empty")
    if len(username) > 80:
        raise ServiceError("username must have at most 80 characters")
    _check_role(role)
    check_new_password(password)
    if db.session.scalar(select(User).where(User.username == username)):
        raise UserExists(f"user {username!r} exists already")
    user = User(username=username, role=role, display_name=display_name.strip() or username)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id, "user.create", "user", user.id, username=username, role=role)
    db.session.commit()
    return user


def list_users() -> list[User]:
    """Every user, active first, then by username."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.username)))


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def role_choices() -> list[tuple[str, str]]:
    """(value, label) of every role, for the role selects (labels are translated in templates)."""
    return [(r.value, r.value) for r in Role]


def active_evaluators() -> list[User]:
    """Active evaluators by username: who can be assigned to a submission."""
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.EVALUATOR, User.active).order_by(User.username)
        )
    )


def user_for_session(user_id: str) -> User | None:
    """The user a session names by id, or None for an unknown or malformed id (the caller
    decides whether the session still holds: version, idle time)."""
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


# -- logging in ---------------------------------------------------------------------------

_dummy_hash: str | None = None


def _dummy_password_hash() -> str:
    """A hash made the way set_password makes one, to check against when there is no user."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_hex(16))
    return _dummy_hash


def _password_matches(user: User | None, password: str) -> bool:
    """One hash check whatever the user: a missing or inactive user costs as much as a real one."""
    if user is None or not user.active:
        check_password_hash(_dummy_password_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this name and password, or None; no throttling, no audit."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    return user if _password_matches(user, password) else None


def attempt_login(
    username: str,
    password: str,
    address: str | None,
    *,
    limits: throttle.Limits | None = None,
    store: throttle.ThrottleStore | None = None,
) -> User:
    """Log in through the throttle; the user, or LoginThrottled / LoginRefused.

    The lock is checked before the password, so a locked account or address answers the same
    whether the password is right. A failure counts for the account (username as typed,
    normalized: unknown names lock too, revealing nothing) and for the address; a success
    resets the account's count only (one good account must not clear an address's record).
    Audited: auth.login, auth.login_failed (reason; never the password, and an unknown
    username only as a fingerprint), auth.locked.
    """
    config = current_app.config
    limits = limits or throttle.Limits.from_config(config)
    store = store or throttle.store_for(config)
    now = utcnow()
    keys = [
        (throttle.ACCOUNT, throttle.account_key(username)),
        (throttle.ADDRESS, throttle.address_key(address)),
    ]
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    user_id = user.id if user is not None else None
    # an unknown name may be a password typed into the wrong field: only its fingerprint
    typed = user.username if user is not None else f"sha256:{keys[0][1][:16]}"

    locks = [until for scope, key in keys if (until := store.locked_until(scope, key, now))]
    if locks:
        audit.record(
            None, "auth.login_failed", "user", user_id, username=typed, address=address,
            reason="locked",
        )  # fmt: skip
        db.session.commit()
        raise LoginThrottled(max(locks), now)

    if _password_matches(user, password):
        assert user is not None
        store.reset(*keys[0])
        audit.record(user.id, "auth.login", "user", user.id, address=address)
        db.session.commit()
        return user

    reason = "unknown_user" if user is None else "inactive" if not user.active else "wrong_password"
    audit.record(
        None, "auth.login_failed", "user", user_id, username=typed, address=address, reason=reason
    )
    started: list[datetime] = []
    for scope, key in keys:
        failure = store.register_failure(scope, key, limits, now)
        if failure.locked_until is not None:
            started.append(failure.locked_until)
            audit.record(
                None, "auth.locked", "user", user_id if scope == throttle.ACCOUNT else None,
                scope=scope, key=typed if scope == throttle.ACCOUNT else key,
                failures=failure.failures,
                until=failure.locked_until.isoformat(timespec="seconds"),
            )  # fmt: skip
    db.session.commit()
    if started:
        raise LoginThrottled(max(started), now)
    raise LoginRefused("wrong username or password")


# -- sessions and passwords -------------------------------------------------------------------


def end_sessions(user_id: int, *, actor_id: int | None, action: str = "auth.logout") -> int:
    """Bump the user's session version, ending every session of theirs; the new version."""
    user = get_user(user_id)
    _bump(user)
    audit.record(actor_id, action, "user", user.id)
    db.session.commit()
    return user.session_version


def change_password(user_id: int, current_password: str, new_password: str) -> User:
    """The user changes their own password; every other session of theirs ends.

    ServiceError when the current password is wrong or the new one too short. The caller
    keeps its own session by storing the returned user's new session_version.
    """
    user = get_user(user_id)
    if not check_password_hash(user.password_hash, current_password):
        raise WrongPassword("the current password is wrong")
    check_new_password(new_password)
    user.set_password(new_password)
    _bump(user)
    audit.record(user.id, "user.password_change", "user", user.id)
    db.session.commit()
    return user


def set_keyboard_shortcuts(user_id: int, enabled: bool) -> User:
    """The user turns the workbench's single-key shortcuts on or off for their account."""
    user = get_user(user_id)
    if user.keyboard_shortcuts != enabled:
        user.keyboard_shortcuts = enabled
        audit.record(user.id, "user.settings", "user", user.id, keyboard_shortcuts=enabled)
        db.session.commit()
    return user


def reset_password(user_id: int, new_password: str, *, actor_id: int | None) -> User:
    """An admin (or the command line) sets a user's password; all their sessions end."""
    user = get_user(user_id)
    check_new_password(new_password)
    user.set_password(new_password)
    _bump(user)
    audit.record(actor_id, "user.password_reset", "user", user.id)
    db.session.commit()
    return user


def deactivate_user(user_id: int, *, actor_id: int | None) -> User:
    """The user can no longer log in and every session of theirs ends.

    Forbidden for one's own account and for the last active admin.
    """
    user = get_user(user_id)
    if actor_id is not None and user.id == actor_id:
        raise OwnAccount("you cannot deactivate your own account")
    if not user.active:
        raise ServiceError(f"user {user.username!r} is inactive already")
    if user.role == Role.ADMIN and _active_admins() <= 1:
        raise LastAdmin(f"{user.username!r} is the last active admin")
    user.active = False
    _bump(user)
    audit.record(actor_id, "user.deactivate", "user", user.id)
    db.session.commit()
    return user


def reactivate_user(user_id: int, *, actor_id: int | None) -> User:
    """The user may log in again (with their old password)."""
    user = get_user(user_id)
    if user.active:
        raise ServiceError(f"user {user.username!r} is active already")
    user.active = True
    audit.record(actor_id, "user.reactivate", "user", user.id)
    db.session.commit()
    return user


def set_role(user_id: int, role: str, *, actor_id: int | None) -> User:
    """Change a user's role; Forbidden when it would leave no active admin."""
    user = get_user(user_id)
    _check_role(role)
    if role == user.role:
        return user
    if user.role == Role.ADMIN and user.active and _active_admins() <= 1:
        raise LastAdmin(f"{user.username!r} is the last active admin")
    old = user.role
    user.role = role
    audit.record(actor_id, "user.role_change", "user", user.id, old=old, new=role)
    db.session.commit()
    return user


def _bump(user: User) -> None:
    user.session_version = (user.session_version or 0) + 1


def _active_admins() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
        )
        or 0
    )


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise ServiceError(f"unknown role {role!r}: use one of admin, coordinator, evaluator")
