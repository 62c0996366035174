"""Ids and integer filters from URLs, query strings and forms: ASCII digits in range, or nothing.

Werkzeug's ``int`` converter and Python's ``int()`` accept Unicode digits (``١``, ``１``,
``𝟏``), so ``/documents/٣`` would alias ``/documents/3``; and they accept numbers past the
database's integer range, which the driver then refuses with a 500. Every id and integer
filter the app reads goes through :func:`parse_id` or :func:`parse_int` instead: paths
with ``<id:...>`` (:class:`IdConverter`, registered in ``create_app``), query strings and
forms with :func:`id_arg` / :func:`int_arg`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError
from wtforms.validators import StopValidation

ID_MAX = 2**31 - 1  # PostgreSQL ``integer``; SQLite's range is wider
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(value: object, lo: int = 0, hi: int = ID_MAX) -> int | None:
    """``value`` as an int when it is 1-10 ASCII digits (no sign, no spaces) in ``lo..hi``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if lo <= number <= hi else None


def parse_id(value: object) -> int | None:
    """A database id (``1..2**31-1`` in ASCII digits), or None for anything else."""
    return parse_int(value, 1, ID_MAX)


def int_type(lo: int = 0, hi: int = ID_MAX) -> Callable[[str], int]:
    """A ``type=`` callable for ``request.args.get``: raises ValueError outside the rule,
    which Flask turns into the default (so a bad filter is ignored, never a 500)."""

    def convert(value: str) -> int:
        number = parse_int(value, lo, hi)
        if number is None:
            raise ValueError(f"not an integer in {lo}..{hi}: {value!r}")
        return number

    return convert


id_type = int_type(1, ID_MAX)


def id_arg(name: str, source: str = "args") -> int | None:
    """The id in query-string (``source="args"``) or form (``"form"``) field ``name``."""
    return getattr(request, source).get(name, type=id_type)


def int_arg(
    name: str, default: int | None = None, lo: int = 0, hi: int = ID_MAX, source: str = "args"
) -> int | None:
    """An integer filter in ``lo..hi`` from the query string (or form); ``default`` otherwise."""
    return getattr(request, source).get(name, default, type=int_type(lo, hi))


def _upto_regex(limit: int) -> str:
    """A regex for the decimal numbers 1..limit, without leading zeros.

    The range is in the pattern itself, not only in ``to_python``: a converter that refuses
    a matched value lets Werkzeug fall through to a rule of the same path for another method,
    which answers 405 instead of 404.
    """
    digits = str(limit)
    parts = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(digits) - i - 1
            parts.append(
                f"{digits[:i]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" * bool(rest))
            )
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(BaseConverter):
    """``<id:name>``: ASCII digits, 1..2**31-1; anything else does not match (404)."""

    regex = _upto_regex(ID_MAX)
    weight = 50

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def ascii_integer(lo: int = 0, hi: int = ID_MAX) -> Callable[[Any, Any], None]:
    """A WTForms validator for ``IntegerField``: the text sent is ASCII digits in ``lo..hi``
    (the field's own ``int()`` takes Unicode digits and numbers of any size)."""

    def validate(_form: Any, field: Any) -> None:
        raw = field.raw_data[0] if field.raw_data else ""
        if parse_int(raw, lo, hi) is None:
            raise StopValidation(_("Enter a whole number from %(lo)d to %(hi)d.", lo=lo, hi=hi))

    return validate
