"""The embedded configuration loads, and bad configuration says where it is wrong."""

import pytest
import yaml

from settings.config import ConfigError, load_config
from settings.environment import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config" / "eig.yaml"


def test_default_config_has_the_demarches_and_the_criteria_of_both_tracks():
    config = load_config(CONFIG)
    assert set(config.demarches) == {"projets", "candidats", "evaluations", "missions",
                                     "disponibilites", "vivier"}
    assert len(config.tracks["projets"].criteria) == 9
    assert [c.key for c in config.tracks["candidats"].criteria] == [
        "coherence_profil", "experience_entrepreneuriale", "capacite_adaptation",
        "capacite_communication", "interet_thematique",
    ]
    assert config.sync.page_size == 100
    ids = [f.id for d in config.demarches.values() for f in d.fields.values()]
    assert len(ids) == len(set(ids)), "a champ descriptor is mapped twice"


def test_demarche_roles_filter_and_reject_unknown_numbers():
    config = load_config(CONFIG)
    assert config.demarche_roles([102]) == ["candidats"]
    with pytest.raises(ValueError, match="999"):
        config.demarche_roles([999])


def test_a_configuration_is_parsed_once_per_content_and_read_again_when_it_changes(tmp_path):
    copy = tmp_path / "eig.yaml"
    text = CONFIG.read_text(encoding="utf-8")
    copy.write_text(text, encoding="utf-8")
    first = load_config(copy)
    assert load_config(copy) is first  # every run reads it; nothing is parsed again
    copy.write_text(text.replace("page_size: 100", "page_size: 50"), encoding="utf-8")
    changed = load_config(copy)
    assert changed is not first and changed.sync.page_size == 50
    copy.write_text("demarches: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="eig.yaml"):
        load_config(copy)


def test_invalid_config_names_the_file_and_entry(tmp_path):
    bad = tmp_path / "eig.yaml"
    bad.write_text("demarches:\n  projets:\n    number: 1\n    fields:\n"
                   "      x: {id: A, type: texte}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert str(bad) in str(caught.value) and "texte" in str(caught.value)


def test_missing_config_file_says_which_setting(tmp_path):
    with pytest.raises(ConfigError, match="EIG_CONFIG"):
        load_config(tmp_path / "absent.yaml")


def test_a_demarche_path_is_checked_and_its_absence_named_in_french(tmp_path):
    config = load_config(CONFIG)
    assert config.procedure_path("evaluations") == "evaluations"
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    del raw["demarches"]["evaluations"]["path"]
    without = tmp_path / "eig.yaml"
    without.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(without).procedure_path("evaluations")
    message = str(caught.value)
    assert "« EIG — Grille d'évaluation » (n° 103)" in message
    assert "demarches.evaluations.path" in message

    raw["demarches"]["evaluations"]["path"] = "Grille Évaluation"
    without.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="path"):
        load_config(without)


def test_the_former_prefill_pace_settings_still_load(tmp_path):
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw["evaluation"] |= {"prefill_requests_per_window": 15, "prefill_window_seconds": 15}
    older = tmp_path / "eig.yaml"
    older.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_config(older).evaluation.prefill_requests_per_window == 15
