"""Errors a person can act on, raised by services and shown by views and the CLI."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the domain refuses, with a readable reason."""


class NotFound(ServiceError):
    pass


class Forbidden(ServiceError):
    pass


class Conflict(ServiceError):
    """The request meets a state that forbids it now (a finalized round, a stale form, a
    declared conflict of interest): the web answers 409, the CLI exits non-zero."""


class Invalid(ServiceError):
    """A form or command with wrong fields: ``fields`` maps each field to its message."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))
