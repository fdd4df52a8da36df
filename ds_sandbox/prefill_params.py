"""How DS reads prefill values — shared by the prefill API (a JSON body) and the prefill
link (``GET /commencer/<path>?champ_<id>=<value>…``), as DS's ``PrefillChamps`` (formerly
``PrefillParams``) is shared by ``API::Public::V1::DossiersController`` and
``Users::CommencerController``.

Keys are ``champ_<descriptor id>`` of the active revision's champs; a key that names no
champ, a blank value (DS's ``present?``: ``nil``, an empty or whitespace-only string, an
empty list) and a value that does not fit the champ are ignored. DS drops them silently;
the sandbox keeps their keys (``ignored_keys``) for inspection.

A link's query string is read as Rails (Rack) reads it:

- ``champ_<id>=a&champ_<id>=b``: the **last** value wins (``b``): Rack keeps one value per
  plain key;
- ``champ_<id>[]=a&champ_<id>[]=b``: the list ``["a", "b"]`` — the form DS's own prefill
  page builds for a multiple drop-down (``commencer_url(champ_<id>: [..])`` → Rails'
  ``to_query``);
- a multiple drop-down also takes one string: ``a`` is ``["a"]``, and a string that starts
  with ``[`` is read as a JSON array (DS's ``MultipleDropDownListChamp#value=``), e.g.
  ``champ_<id>=["a","b"]``.

Every value of a link is a string: ``"42"`` fills an integer champ, ``"true"`` a checkbox.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from ds_sandbox.demarches import Descriptor

PREFILL_STATES = frozenset({"publiee", "brouillon"})  # DS: Procedure.publiees_ou_brouillons
IGNORED = object()
"""What ``coerce`` answers for a value DS would not keep."""
_INTEGER = re.compile(r"\s*[-+]?\d+\s*")


def coerce(descriptor: Descriptor, value: Any) -> Any:
    """The value a champ keeps from a prefill value, or ``IGNORED`` when DS would drop it
    (blank, or not fitting the champ's type or options)."""
    if _blank(value):
        return IGNORED
    kind = descriptor.typename.removesuffix("ChampDescriptor")
    scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
    if kind in ("Text", "Textarea", "Email"):
        return str(value) if scalar else IGNORED
    if kind == "IntegerNumber":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return int(value) if isinstance(value, str) and _INTEGER.fullmatch(value) else IGNORED
    if kind == "DecimalNumber":
        try:
            return float(value) if scalar else IGNORED
        except ValueError:
            return IGNORED
    if kind == "DropDownList":
        return value if isinstance(value, str) and value in (descriptor.options or ()) else IGNORED
    if kind == "MultipleDropDownList":
        return _multiple(descriptor, value)
    if kind in ("Checkbox", "YesNo"):
        if isinstance(value, bool):
            return value
        flags = {"true": True, "false": False}
        return flags.get(value.lower(), IGNORED) if isinstance(value, str) else IGNORED
    if kind in ("Date", "Datetime") and isinstance(value, str):
        parse = date.fromisoformat if kind == "Date" else datetime.fromisoformat
        try:
            parse(value)
        except ValueError:
            return IGNORED
        return value
    return IGNORED  # repetitions and other types: not prefillable here


def _blank(value: Any) -> bool:
    """Rails' ``blank?``: nil, an empty or whitespace-only string, an empty collection."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | dict | tuple) and not value


def _multiple(descriptor: Descriptor, value: Any) -> Any:
    """DS's multiple drop-down: a list, one option, or a JSON array in a string; kept only
    if every option chosen is offered (DS validates the whole value: one unknown option
    and the champ is not prefilled)."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    chosen = [value] if isinstance(value, str) else value if isinstance(value, list) else None
    if chosen is None or not all(isinstance(v, str) for v in chosen):
        return IGNORED
    kept = list(dict.fromkeys(v for v in chosen if v != ""))  # DS: .uniq.without('')
    offered = descriptor.options or ()
    if not kept or any(v not in offered for v in kept):
        return IGNORED
    return kept


def prefill_values(champs: Iterable[Descriptor], params: Mapping[str, Any]
                   ) -> tuple[dict[str, Any], list[str]]:
    """``(descriptor id → kept value, ignored keys)`` of prefill ``params``: what DS fills."""
    by_id = {d.id: d for d in champs}
    values: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in params.items():
        descriptor = by_id.get(key.removeprefix("champ_")) if key.startswith("champ_") else None
        coerced = IGNORED if descriptor is None else coerce(descriptor, value)
        if coerced is IGNORED:
            ignored.append(key)
        else:
            assert descriptor is not None
            values[descriptor.id] = coerced
    return values, ignored


def query_params(query: str) -> dict[str, Any]:
    """A query string as Rails (Rack) reads it: the last value of a plain key, a list for
    ``key[]`` (see the module's docstring)."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.endswith("[]"):
            name = key.removesuffix("[]")
            current = params.get(name)
            if isinstance(current, list):
                current.append(value)
            else:
                params[name] = [value]
        else:
            params[key] = value
    return params
