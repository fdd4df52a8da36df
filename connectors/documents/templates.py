"""The Jinja2 environment of ``templates/`` and the renderers of emails and documents.

    email = render_email("eval_request", context)   # RenderedEmail(subject, text, html)
    html = render_document("dossier", context)

An email is three templates, ``emails/<name>.subject.j2``, ``.txt.j2`` and ``.html.j2``;
a document is ``documents/<name>.html.j2``. Templates whose name contains ``.html`` are
autoescaped, the others not. Undefined values raise: a missing context key is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from models.outside_text import shown

from .french import FILTERS, pluriel


def finalize(value: Any) -> Any:
    """Every ``{{ … }}``: control characters out; markup our templates made kept as is."""
    return value if isinstance(value, markupsafe.Markup) else shown(value)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

EMAIL_PARTS = (".subject.j2", ".txt.j2", ".html.j2")


class TemplateNotFoundError(LookupError):
    """No template of that name: the message lists the available ones (a typo in a flow)."""


@dataclass(frozen=True)
class RenderedEmail:
    """An email rendered in its three parts, ready for ``connectors.mail.OutgoingEmail``."""

    subject: str
    text: str
    html: str


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name


def colonnes(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The keys of all rows, in order of first appearance (the columns of a table)."""
    return list(dict.fromkeys(key for row in rows for key in row))


@cache
def environment() -> jinja2.Environment:
    """The shared environment: strict, autoescaped for HTML, with the French filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,  # no control character from a dossier reaches a reader
    )
    env.filters.update(FILTERS, colonnes=colonnes)
    env.globals["pluriel"] = pluriel
    return env


def _names(folder: str, suffixes: tuple[str, ...]) -> list[str]:
    """Names having every suffix in ``folder``; partials (``_layout``…) are left out."""
    root = TEMPLATES_DIR / folder
    found = {p.name.removesuffix(suffixes[0]) for p in root.glob(f"*{suffixes[0]}")}
    return sorted(n for n in found if not n.startswith("_")
                  and all((root / f"{n}{s}").is_file() for s in suffixes))


def email_template_names() -> list[str]:
    """The emails that have their three parts (subject, text, HTML)."""
    return _names("emails", EMAIL_PARTS)


def document_template_names() -> list[str]:
    """The documents of ``templates/documents/``."""
    return _names("documents", (".html.j2",))


def _check(name: str, available: list[str], kind: str) -> None:
    if name not in available:
        raise TemplateNotFoundError(f"modèle {kind} inconnu : {name!r} "
                                    f"(disponibles : {', '.join(available) or 'aucun'})")


def render_email(name: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Render ``emails/<name>``; the subject is one line, whitespace collapsed."""
    _check(name, email_template_names(), "d'email")
    env = environment()
    subject, text, html = (env.get_template(f"emails/{name}{part}").render(context)
                           for part in EMAIL_PARTS)
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)


def render_document(name: str, context: Mapping[str, Any]) -> str:
    """Render ``documents/<name>.html.j2`` to HTML."""
    _check(name, document_template_names(), "de document")
    return environment().get_template(f"documents/{name}.html.j2").render(context)
