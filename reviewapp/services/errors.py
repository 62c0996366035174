"""Errors a person can act on, raised by services and shown by views and the CLI."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the domain refuses, with a readable reason."""


class NotFound(ServiceError):
    pass


class Forbidden(ServiceError):
    pass
