"""Users and roles."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Role, User
from . import audit
from .errors import ServiceError


def create_user(
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    actor_id: int | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise ServiceError("username is empty")
    if role not in {r.value for r in Role}:
        raise ServiceError(f"unknown role {role!r}: use one of admin, coordinator, evaluator")
    if len(password) < 8:
        raise ServiceError("password must have at least 8 characters")
    if db.session.scalar(select(User).where(User.username == username)):
        raise ServiceError(f"user {username!r} exists already")
    user = User(username=username, role=role, display_name=display_name or username)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id, "user.create", "user", user.id, username=username, role=role)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ServiceError(f"no user named {username!r}")
    return user
