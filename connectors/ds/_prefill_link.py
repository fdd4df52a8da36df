"""DS's prefill by link: `https://<DS>/commencer/<procedure path>?champ_<descriptor id>=<value>&…`.

No API call and no rate limit: the link is a page. The person who follows it starts the
démarche with those champs filled — DS reads the query with the same rules as the prefill
API (`PrefillChamps`: unknown keys, blank values and values that do not fit the champ are
silently ignored). Everything in it is visible in the URL (and in mail logs): put only what
may be seen there. Each visit prefills a new brouillon, so a link can be sent again and
again; prefer it to the prefill API (`PrefillClient`) whenever the dossier need not exist
before the person comes.

Values: strings as they are, numbers in decimal, booleans as `true`/`false`, a list (a
multiple drop-down) as repeated `champ_<id>[]=` parameters — the form DS's own prefill
page builds and Rails reads back as a list. DS's prefill page warns above 2,000
characters; the link is kept whole regardless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx

MAX_ADVISED_LENGTH = 2000
"""DS's prefill page warns when a link is longer (`PrefillDescription`)."""


def prefill_link(base_url: str, procedure_path: str, values: Mapping[str, Any]) -> str:
    """The link that opens the démarche at `procedure_path` on the DS host `base_url`
    (e.g. `https://www.demarches-simplifiees.fr`, see `prefill_base_url`) with `values`
    (champ descriptor id → value) prefilled. Deterministic: the same values in the same
    order give the same link. `None` values are left out."""
    origin = httpx.URL(base_url)
    if not origin.scheme or not origin.host:
        raise ValueError(f"the DS base URL needs a scheme and a host: {base_url!r}")
    if not procedure_path or "/" in procedure_path:
        raise ValueError(f"a démarche's path is one segment, e.g. 'grille-eig': "
                         f"{procedure_path!r}")
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if not isinstance(key, str) or not key or key.startswith("champ_"):
            raise ValueError(
                f"prefill keys are champ descriptor ids (the champ_ prefix is added): {key!r}"
            )
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((f"champ_{key}[]", _text(item)) for item in value)
        else:
            pairs.append((f"champ_{key}", _text(value)))
    query = urlencode(pairs, quote_via=quote, safe="")
    path = f"{base_url.rstrip('/')}/commencer/{quote(procedure_path, safe='')}"
    return f"{path}?{query}" if query else path


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"a prefill link carries strings, numbers, booleans or lists of them, "
                     f"not {type(value).__name__}: {value!r}")
