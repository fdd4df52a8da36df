"""Rule (a) of issue 18: every sentence of an email or a DS message that promises an
action is declared in templates/promises.yaml with the effect that keeps it; the
integration scenarios check the effects (tests/integration/promises.py)."""

from __future__ import annotations

import importlib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from tests.promise_rule import PROMISE_LIKE, declared, made, sentences, undeclared
from tests.unit.template_variants import MESSAGES, renderings

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
RENDERED = list(renderings())
KINDS = {"attachment", "email", "operator"}


def test_every_email_and_message_template_is_rendered() -> None:
    emails = {p.name.split(".")[0] for p in (TEMPLATES / "emails").glob("*.txt.j2")
              if not p.name.startswith("_")}
    messages = {f"messages/{p.name.split('.')[0]}" for p in (TEMPLATES / "messages").glob(
        "*.txt.j2")}
    assert {name for name, _ in RENDERED} == emails | messages
    assert {f"messages/{m}" for m in MESSAGES} == messages


def test_every_promise_like_sentence_is_declared() -> None:
    promises = declared()
    missing = sorted({f"{name}: {sentence}" for name, text in RENDERED
                      for sentence in undeclared(name, text, promises)})
    assert missing == [], "promises without a declared effect:\n" + "\n".join(missing)


def test_every_declared_promise_is_made_somewhere() -> None:
    promises = declared()
    used = {(p.template, p.phrase) for name, text in RENDERED
            for p in made(name, text, promises)}
    stale = [(p.template, p.phrase) for ps in promises.values() for p in ps
             if (p.template, p.phrase) not in used]
    assert stale == []


def test_effects_are_of_a_known_kind_and_operators_tools_exist() -> None:
    for promise in (p for ps in declared().values() for p in ps):
        if isinstance(promise.effect, str):
            assert promise.effect in ("link", "self", "conflict"), promise
            continue
        [kind] = set(promise.effect) & KINDS
        if kind == "operator":  # "module[:Class.field]": the tool a person uses
            module, _, attribute = promise.effect["operator"].partition(":")
            target = importlib.import_module(module)
            for name in filter(None, attribute.split(".")):
                fields = getattr(target, "model_fields", {})
                target = fields[name] if name in fields else getattr(target, name)


@pytest.mark.parametrize(("sentence", "promising"), [
    ("Vous allez recevoir une nouvelle invitation.", True),
    ("Le lien vous est envoyé la veille.", True),
    ("L'équipe du programme vous enverra la grille de notation.", True),
    ("Vous trouverez ci-joint le projet.", True),
    ("Votre candidature rejoint le vivier.", False),
    ("Relisez le dossier avant la soutenance.", False),
])
def test_what_counts_as_a_promise(sentence: str, promising: bool) -> None:
    assert bool(PROMISE_LIKE.search(sentence)) == promising


def test_the_known_false_promises_are_gone() -> None:
    text = "\n".join(t for _, t in RENDERED)
    for false in ("la veille", "vous enverra la grille", "dans le formulaire de notation.",
                  "proposition de contrat détaillée"):
        assert false not in text
    assert all(fnmatch("dossier-42.pdf", p.effect["attachment"])
               for p in declared()["hearing_invitation"]
               if p.phrase == "joint à ce message en PDF")
    assert sentences("Un. Deux ; trois.\nQuatre") == ["Un.", "Deux ; trois.", "Quatre"]
