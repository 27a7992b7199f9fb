"""`bedside-console dose`: a pharmacist checks a drug library entry from the command line."""
from __future__ import annotations

import json

import pytest

from console import cli


def run(capsys, *argv):
    code = cli.main(["dose", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_single_infusion_order_is_printed_with_the_pump_rate(capsys):
    code, out, err = run(capsys, "--protocol", "single_40min", "--weight", "70")
    assert code == 0 and err == ""
    assert "52.5 mL/h" in out and "35 mg" in out and "40 min" in out


def test_the_rounding_is_shown(capsys):
    code, out, _ = run(capsys, "--protocol", "titrated", "--weight", "71.3")
    assert code == 0
    assert "7.1 mL/h" in out and "calculated 7.13 mL/h, rounded down" in out


def test_json_is_one_object_with_the_verdicts(capsys):
    code, out, _ = run(capsys, "--protocol", "continuous", "--weight", "73", "--concentration", "2",
                       "--dose", "0.3", "--json")
    data = json.loads(out)
    assert code == 0 and data["rate_ml_per_h"] == pytest.approx(11.0) and data["drug_id"] == "ketamine_2mg_ml"
    assert {v["unit"] for v in data["verdicts"]} >= {"mg_per_kg_per_h", "total_mg"}


@pytest.mark.parametrize("argv, words", [
    (["--protocol", "single_40min", "--weight", "0"], "weight 0 kg is outside"),
    (["--protocol", "single_40min", "--weight", "-70"], "outside"),
    (["--protocol", "nope", "--weight", "70"], "unknown protocol"),
    (["--protocol", "bolus", "--weight", "70", "--dose", "2"], "hard limit"),
    (["--protocol", "bolus", "--weight", "70", "--concentration", "10"], "not in the drug library"),
])
def test_impossible_input_gets_one_line_and_a_non_zero_exit(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_weight_that_is_not_a_number_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["dose", "--protocol", "bolus", "--weight", "seventy"])
    assert exc.value.code == 2


def test_a_rate_protocol_prints_the_hourly_dose_in_mg_per_h(capsys):
    """Issue 10 item 11: physicians order and chart mg/h (0.3 mg/kg/h x 120 kg = 36 mg/h)."""
    code, out, _ = run(capsys, "--protocol", "continuous", "--weight", "120", "--dose", "0.3")
    assert code == 0
    rate = next(line for line in out.splitlines() if line.startswith("Rate "))
    assert "36 mg/h" in rate and "0.3 mg/kg/h" in rate and "120 kg" in rate


def test_json_figures_are_rounded_to_their_clinical_precision_and_the_record_keeps_them_exact(capsys):
    code, out, _ = run(capsys, "--protocol", "continuous", "--weight", "120", "--dose", "0.3", "--json")
    data = json.loads(out)
    assert code == 0 and data["rate_mg_per_h"] == 36.0
    assert data["dose_mg_per_kg"] == 7.2 and data["total_mg"] == 864.0 and data["total_ml"] == 432.0
    assert data["pump_duration_min"] == 1440.0
    assert "99999" not in out and "00000" not in out  # no binary float noise anywhere
    from console.session.config import load_config
    from console.session.dose import compute_order
    exact = compute_order(load_config(), "continuous", 120, amount=0.3).to_dict()  # what the session records
    assert exact["dose_mg_per_kg"] == 0.3 * 24 and exact["rate_mg_per_h"] == 0.3 * 120


def test_the_precision_is_data_with_a_source():
    from console.session.dose import precision, rounded
    from resources import load
    assert "ISMP" in load("dose_precision.toml").text("source")
    assert precision()["mg_per_h"] == 1 and rounded(7.13, "mg_per_h") == 7.1 and rounded(2.25, "ml") == 2.3


def test_limit_verdicts_show_milligrams_exactly_and_the_pump_volume_at_its_step(capsys):
    """Milligrams are shown as calculated (issue 10: 36.25 mg, not 36.2); only what the pump measures is rounded."""
    code, out, _ = run(capsys, "--protocol", "titrated", "--weight", "71.3")
    assert code == 0 and "14.26 mg total is within the limits" in out and "volume 14.3 mL" in out
    assert "7.1 mg/h" in out
