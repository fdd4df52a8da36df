"""The embedded configuration loads, and bad configuration says where it is wrong."""

import pytest

from eig.config import ConfigError, load_config
from eig.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config" / "eig.yaml"


def test_default_config_has_the_three_demarches_and_the_criteria_of_both_tracks():
    config = load_config(CONFIG)
    assert set(config.demarches) == {"projets", "candidats", "evaluations"}
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
