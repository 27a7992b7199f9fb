"""The clinical data files load with their sources, and a clinic's override is validated like the defaults."""
from __future__ import annotations

import pytest

from console.session.config import load_config
from resources import ResourceError


def test_every_session_data_file_says_where_its_numbers_come_from():
    config = load_config()
    assert set(config.sources) == {"drugs", "protocols", "checklist", "scales", "clinic"}
    assert all(len(text) > 40 for text in config.sources.values())


def test_the_protocols_of_the_seed_are_there_with_their_numbers():
    p = load_config().protocols
    assert (p["single_40min"].default_amount, p["single_40min"].duration_min) == (0.5, 40)
    assert (p["bolus"].range_min, p["bolus"].range_max) == (0.2, 0.75)
    assert (p["continuous"].range_min, p["continuous"].range_max, p["continuous"].max_duration_min) == (
        0.1, 0.3, 72 * 60)
    assert (p["titrated"].range_min, p["titrated"].range_max) == (0.1, 0.5)
    assert all(x.observation_min == 30 and x.assessment_interval_min == 15 for x in p.values())


def test_the_checklist_has_the_seeds_and_the_guidelines_contraindications():
    ids = {i.id for i in load_config().checklist}
    assert {"substance_abuse", "intracranial_pressure", "unstable_heart_disease", "uncontrolled_hypertension",
            "pregnancy", "active_psychosis", "severe_liver_disease", "intraocular_pressure", "npo",
            "baseline_vitals", "baseline_pain", "escort", "consent", "identity"} <= ids


def test_a_clinic_can_change_its_observation_settings_and_gate(tmp_path):
    (tmp_path / "clinic.toml").write_text('[bp_gate]\nselected = "140/90"\n[npo]\nfood_min_hours = 8\n'
                                          '[weight]\nmax_age_days = 7\n')
    clinic = load_config(tmp_path).clinic
    assert (clinic.bp_systolic_max, clinic.npo_food_min_hours, clinic.weight_max_age_days) == (140, 8, 7)
    assert clinic.npo_clear_fluids_min_hours == 2  # untouched values keep the defaults


@pytest.mark.parametrize("text, field", [
    ('[weight]\nmax_kg = "heavy"\n', "weight.max_kg"),
    ('[weight]\nmin_kg = 0\n', "weight.min_kg"),
    ('[npo]\nfood_hours = 6\n', "npo.food_hours"),
    ('[bp_gate]\nselected = "150/95"\n', "bp_gate.selected"),
    ('[staff]\nmax_failures = 0\n', "staff.max_failures"),
    ('[discharge]\nmin_score = 11\n', "discharge.min_score"),
])
def test_a_wrong_clinic_setting_is_refused_naming_the_file_and_field(tmp_path, text, field):
    (tmp_path / "clinic.toml").write_text(text)
    with pytest.raises(ResourceError) as exc:
        load_config(tmp_path)
    assert field in str(exc.value) and "clinic.toml" in str(exc.value)


def test_a_clinic_file_that_is_not_toml_is_refused(tmp_path):
    (tmp_path / "clinic.toml").write_text("[weight\n")
    with pytest.raises(ResourceError, match="not valid TOML"):
        load_config(tmp_path)


def test_the_dose_command_reports_a_broken_clinic_file_in_one_line(tmp_path, capsys):
    from console import cli
    (tmp_path / "clinic.toml").write_text('[weight]\nmax_kg = -1\n')
    code = cli.main(["--data-dir", str(tmp_path), "dose", "--protocol", "bolus", "--weight", "70"])
    err = capsys.readouterr().err
    assert code != 0 and "weight.max_kg" in err and len(err.strip().splitlines()) == 1
