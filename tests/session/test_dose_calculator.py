"""The dose calculator against formulas written again here, independently, the way a pharmacist would."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.session.config import load_config
from console.session.dose import DoseError, compute_order, compute_rate, round_to_resolution

CONFIG = load_config()
weights = st.floats(min_value=20, max_value=300, allow_nan=False)
concentrations = st.sampled_from([1.0, 2.0])


def pharmacist_rate(mg_per_kg_per_h: float, kg: float, mg_per_ml: float) -> float:
    """mL/h = (mg/kg/h x kg) / (mg/mL)"""
    return mg_per_kg_per_h * kg / mg_per_ml


def nearest_tenth(x: float) -> float:
    """What a pump with 0.1 mL/h steps can be set to: the nearest step, halves up (integer arithmetic)."""
    return math.floor(x * 10 + 0.5 + 1e-9) / 10


@settings(max_examples=300, deadline=None)
@given(weight=weights, conc=concentrations, dose=st.floats(min_value=0.2, max_value=0.75),
       minutes=st.floats(min_value=5, max_value=60))
def test_a_dose_protocol_gives_the_dose_over_the_duration(weight, conc, dose, minutes):
    order = compute_order(CONFIG, "bolus", weight, amount=dose, concentration=conc, duration_min=minutes)
    assert order.total_mg == pytest.approx(dose * weight)
    assert order.total_ml == pytest.approx(dose * weight / conc)
    assert order.rate_ml_per_h_exact == pytest.approx((dose * weight / conc) / (minutes / 60))
    assert order.rate_mg_per_kg_per_h == pytest.approx(dose * 60 / minutes)
    assert order.rate_ml_per_h == pytest.approx(nearest_tenth(order.rate_ml_per_h_exact), abs=1e-9)
    assert abs(order.rounding_ml_per_h) <= 0.05 + 1e-9
    assert order.pump_duration_min == pytest.approx(order.total_ml / order.rate_ml_per_h * 60)


@settings(max_examples=300, deadline=None)
@given(weight=weights, conc=concentrations, rate=st.floats(min_value=0.1, max_value=0.3),
       hours=st.floats(min_value=1, max_value=72))
def test_a_rate_protocol_programs_weight_times_rate_over_concentration(weight, conc, rate, hours):
    order = compute_order(CONFIG, "continuous", weight, amount=rate, concentration=conc,
                          duration_min=hours * 60)
    assert order.rate_ml_per_h_exact == pytest.approx(pharmacist_rate(rate, weight, conc))
    assert order.rate_ml_per_h == pytest.approx(nearest_tenth(pharmacist_rate(rate, weight, conc)), abs=1e-9)
    assert order.total_mg == pytest.approx(rate * weight * hours)
    assert order.dose_mg_per_kg == pytest.approx(rate * hours)
    assert order.total_ml * conc == pytest.approx(order.total_mg)


@settings(max_examples=200, deadline=None)
@given(weight=weights, rate=st.floats(min_value=0.01, max_value=3.0))
def test_limit_verdicts_follow_the_drug_library(weight, rate):
    entry = CONFIG.drugs["ketamine_1mg_ml"]
    limit = entry.limits["mg_per_kg_per_h"]
    change = compute_rate(entry, weight, rate)
    if rate > limit.hard_max:
        assert change.verdict.level == "hard"
    elif rate > limit.soft_max or rate < limit.soft_min:
        assert change.verdict.level == "soft"
    else:
        assert change.verdict.level == "ok"


@given(x=st.floats(min_value=0, max_value=1000), )
def test_rounding_lands_on_a_pump_step_within_half_a_step(x):
    r = round_to_resolution(x, 0.1)
    assert abs(r - x) <= 0.05 + 1e-9
    assert abs(r * 10 - round(r * 10)) < 1e-6


def test_the_single_infusion_for_a_70_kg_patient():
    order = compute_order(CONFIG, "single_40min", 70)
    assert (order.total_mg, order.total_ml, order.rate_ml_per_h, order.duration_min) == (35, 35, 52.5, 40)
    assert not order.needs_reason and not order.refused


def test_halves_round_up_to_the_next_pump_step():
    assert round_to_resolution(2.25, 0.1) == 2.3
    assert round_to_resolution(123.75, 0.1) == 123.8
    assert round_to_resolution(7.13, 0.1) == 7.1


def test_a_dose_above_the_hard_limit_is_refused():
    order = compute_order(CONFIG, "bolus", 70, amount=2.0)
    assert order.refused
    assert any(v.level == "hard" and v.unit == "mg_per_kg" for v in order.verdicts)


def test_a_dose_outside_the_protocol_range_needs_a_reason():
    order = compute_order(CONFIG, "titrated", 70, amount=0.7)
    assert order.needs_reason and not order.refused


@pytest.mark.parametrize("weight", [0, -3, 19.9, 300.1, float("nan")])
def test_an_impossible_weight_is_refused(weight):
    with pytest.raises(DoseError, match="weight"):
        compute_order(CONFIG, "single_40min", weight)


def test_an_unknown_protocol_is_refused_with_the_known_ones_named():
    with pytest.raises(DoseError, match="single_40min"):
        compute_order(CONFIG, "ketamine_party", 70)


def test_a_concentration_not_in_the_library_is_refused():
    with pytest.raises(DoseError, match="not in the drug library"):
        compute_order(CONFIG, "bolus", 70, concentration=5)


@pytest.mark.parametrize("amount", [0, -0.5])
def test_a_zero_or_negative_dose_is_refused(amount):
    with pytest.raises(DoseError, match="more than 0"):
        compute_order(CONFIG, "bolus", 70, amount=amount)


def test_a_continuous_infusion_cannot_be_ordered_beyond_72_hours():
    with pytest.raises(DoseError, match="duration"):
        compute_order(CONFIG, "continuous", 70, duration_min=73 * 60)


def test_a_rate_that_is_exactly_half_a_step_rounds_up_despite_binary_floats():
    """Found by hypothesis: 0.3 mg/kg/h x 21 kg / 2 mg/mL is 3.15 mL/h, which a float holds as 3.1499..."""
    order = compute_order(CONFIG, "continuous", 21.0, amount=0.3, concentration=2.0, duration_min=60)
    assert order.rate_ml_per_h == pytest.approx(3.2)
    assert round_to_resolution(0.3 * 21 / 2 - 4e-16, 0.1) == pytest.approx(3.2)
