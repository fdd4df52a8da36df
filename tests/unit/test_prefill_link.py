"""Prefill by link (`connectors.ds.prefill_link`): the URL DS's start page reads, built
without any network call, and read back by the sandbox as DS reads it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from connectors.ds import prefill_link
from ds_sandbox import EVALUATIONS, PROJETS, SandboxState

EVAL = {d.key: d.id for d in EVALUATIONS.champs}
PROJ = {d.key: d.id for d in PROJETS.champs}


def test_the_link_names_the_demarche_and_encodes_each_champ():
    url = prefill_link("https://www.demarches-simplifiees.fr/", "grille-eig", {
        EVAL["dossier_evalue"]: 4567, EVAL["jeton"]: "12.AbC-_d", EVAL["nature"]: "déclin",
        EVAL["motif_declin"]: "indisponibilité sur la période", EVAL["commentaire"]: None})

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "www.demarches-simplifiees.fr", "/commencer/grille-eig")
    assert "champ_Q2hhbXAtMzAwMQ%3D%3D=4567" in parts.query  # the id's "=" are escaped
    assert "d%C3%A9clin" in parts.query and "+" not in parts.query and " " not in url
    assert parse_qsl(parts.query) == [
        (f"champ_{EVAL['dossier_evalue']}", "4567"), (f"champ_{EVAL['jeton']}", "12.AbC-_d"),
        (f"champ_{EVAL['nature']}", "déclin"),
        (f"champ_{EVAL['motif_declin']}", "indisponibilité sur la période")]


def test_lists_booleans_and_an_empty_link():
    url = prefill_link("http://127.0.0.1:8765", "projets", {
        PROJ["profils"]: ["designer", "juriste du numérique"], "Q2hhbXAtOTk=": True})

    assert parse_qsl(urlsplit(url).query) == [
        (f"champ_{PROJ['profils']}[]", "designer"),
        (f"champ_{PROJ['profils']}[]", "juriste du numérique"),
        ("champ_Q2hhbXAtOTk=", "true")]
    assert prefill_link("http://ds.test", "projets", {}) == "http://ds.test/commencer/projets"


@pytest.mark.parametrize(("base", "path", "values"), [
    ("ds.test", "projets", {}),
    ("http://ds.test", "", {}),
    ("http://ds.test", "a/b", {}),
    ("http://ds.test", "projets", {"champ_Q2hhbXAtMQ==": 1}),
    ("http://ds.test", "projets", {"Q2hhbXAtMQ==": {"a": 1}}),
])
def test_what_is_not_a_prefill_link_is_refused(base, path, values):
    with pytest.raises(ValueError):
        prefill_link(base, path, values)


def test_the_sandbox_reads_back_what_the_link_carries():
    state = SandboxState()
    values = {EVAL["dossier_evalue"]: 4567, EVAL["jeton"]: "12.AbC-_d",
              EVAL["evaluateur_email"]: "eva@numerique.gouv.fr", EVAL["nature"]: "déclin",
              EVAL["motif_declin"]: "conflit d'intérêts"}

    read = state.read_link(prefill_link("http://ds.test", "evaluations", values))
    profils = state.read_link(prefill_link("http://ds.test", "projets", {
        PROJ["profils"]: ["designer", "développeur·se"], PROJ["nombre_eig"]: 2}))

    assert (read.demarche, read.values, read.ignored_keys) == (EVALUATIONS.number, values, ())
    assert profils.values == {PROJ["profils"]: ["designer", "développeur·se"],
                              PROJ["nombre_eig"]: 2}
