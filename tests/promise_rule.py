"""The rule « every promise is kept »: what a promise-like sentence is, and the declared
promises (``templates/promises.yaml``) that back them. Used by the unit test that
renders every template and by the integration scenarios that check the effects."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROMISES_FILE = Path(__file__).resolve().parent.parent / "templates" / "promises.yaml"

PROMISE_LIKE = re.compile(
    r"vous recevrez|vous allez recevoir|recevrez|vous (?:sera|seront|est|sont) "
    r"(?:\w+ )?(?:envoyé|communiqué|transmis|proposé|adressé)e?s?|vous enverr|enverrons|"
    r"nous (?:vous )?(?:adressons|transmettrons|enverrons)|ci-joint|pièces? jointes?|"
    r"\bjointe?s?\b|\blien\b|la veille|\brappel|\.ics\b|proposerons|vous contacter|"
    r"\bnous (?:vous |les |le |la |l')?\w+(?:erons|irons|drons|rrons|urons)\b",
    # the future of « nous » (annulerons, reviendrons, enverrons), not its present (espérons)
    re.IGNORECASE)
"""Words that promise a link, a document, a future message or a reminder."""


@dataclass(frozen=True)
class Promise:
    template: str
    phrase: str
    effect: dict[str, Any] | str
    why: str


def declared() -> dict[str, list[Promise]]:
    data = yaml.safe_load(PROMISES_FILE.read_text(encoding="utf-8"))
    return {template: [Promise(template, p["phrase"], p["effect"], p.get("why", ""))
                       for p in promises or []]
            for template, promises in data.items()}


def sentences(text: str) -> list[str]:
    """The sentences of a rendering (text, or HTML with its tags removed)."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
    out = []
    for line in plain.splitlines():
        line = " ".join(line.split())
        out += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«])", line) if s]
    return out


def undeclared(template: str, text: str, promises: dict[str, list[Promise]]) -> list[str]:
    """The promise-like sentences of a rendering that no declared phrase covers."""
    phrases = [p.phrase for p in promises.get(template, [])]
    return [s for s in sentences(text) if PROMISE_LIKE.search(s)
            and not any(phrase in s for phrase in phrases)]


def made(template: str, text: str, promises: dict[str, list[Promise]]) -> list[Promise]:
    """The declared promises a rendering makes."""
    flat = " ".join(sentences(text))
    return [p for p in promises.get(template, []) if p.phrase in flat]
