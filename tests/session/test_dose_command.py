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
