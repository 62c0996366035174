"""The request's database session as the views see it, without importing the database.

Views and error handlers end a failed request's transaction and answer a write that lost a
race; both go through here so that reviewapp/blueprints/ holds no queries (tests check it).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from ..extensions import db

__all__ = ["WriteConflict", "rollback"]

# A unique constraint or a foreign key refused a write: two clicks or two people changed the
# same thing at once. The database's own error, named for what it means to a view.
WriteConflict = IntegrityError


def rollback() -> None:
    """Throw away whatever the session holds (a failed flush leaves it unusable)."""
    db.session.rollback()
