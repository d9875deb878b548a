"""Identities that must hold, checked with hypothesis."""

import numpy as np
from hypothesis import assume, given, settings, strategies as st

import hedgexl as hx

price = st.floats(1.0, 1e6, allow_nan=False)
qty = st.floats(1.0, 1e7, allow_nan=False)
face = st.sampled_from([1.0, 10.0, 100.0])
# signed amounts away from the subnormal range, where a product can underflow to zero
signed = st.floats(-1e7, 1e7, allow_subnormal=False).filter(lambda x: x == 0 or abs(x) > 1e-6)
rate = st.floats(-0.01, 0.01).filter(lambda x: x == 0 or abs(x) > 1e-12)


@given(q=qty, f=face, p0=price, p1=price)
def test_1x_inverse_short_plus_margin_keeps_usd_value(q, f, p0, p1):
    margin = q * f / p0  # coin, equal to the notional at entry
    pnl = hx.inverse_pnl(-q, p0, p1, f)
    usd_after = (margin + pnl) * p1
    assert np.isclose(usd_after, q * f, rtol=1e-9)


@given(q=signed, f=face, p0=price, p1=price, p2=price)
def test_inverse_usd_pnl_is_linear_in_exit_price(q, f, p0, p1, p2):
    a, b = hx.inverse_pnl(q, p0, [p1, p2], f, unit="usd")
    slope = q * f / p0
    assert np.isclose(a - b, slope * (p1 - p2), rtol=1e-9, atol=1e-9 * abs(slope) * 1e6)


@given(q=signed, m=st.lists(price, min_size=1, max_size=20), r=rate)
def test_funding_changes_sign_with_position(q, m, r):
    rates = [r] * len(m)
    a = hx.funding_total(q, 100, m, rates)
    b = hx.funding_total(-q, 100, m, rates)
    assert np.isclose(a, -b, rtol=1e-12, atol=0)
    if q < 0 and r > 0:
        assert a > 0  # a short receives a positive rate


@given(v=st.floats(-1e9, 1e9), lot=st.sampled_from([1.0, 100.0, 0.001]),
       f=face, mode=st.sampled_from(["nearest", "down", "up"]))
def test_rounding_residual_at_most_half_a_lot(v, lot, f, mode):
    spec = hx.ContractSpec(key="T:T", type="inverse", face_usd=f, lot=lot)
    res = hx.hedge_residual(v, spec, rounding=mode)
    bound = lot * f * (0.5 if mode == "nearest" else 1.0)
    assert abs(res) <= bound * (1 + 1e-9) + 1e-6
    q = hx.hedge_contracts(v, spec, rounding=mode)
    assert np.isclose(q / lot, round(q / lot), atol=1e-6)
    if mode == "down":
        assert abs(q * f) <= abs(v) + 1e-9 * lot * f + 1e-6  # 1e-9 lot tolerance
    if mode == "up":
        assert abs(q * f) >= abs(v) - 1e-9 * lot * f - 1e-6


@given(s=st.floats(0.01, 1e4), p0=price, p1=price, h=st.floats(0, 1))
@settings(max_examples=200)
def test_net_pnl_is_unhedged_share_when_prices_move_together(s, p0, p1, h):
    # a hedge of h on its own contract leaves (1-h) of the spot move, before rounding
    spec = hx.ContractSpec(key="T:T", type="inverse", face_usd=1, lot=1e-9)
    q = hx.hedge_contracts(s * p0, spec, hedge_ratio=h)
    net = hx.net_pnl(s, p0, p1, q, p0, p1, spec)
    rounding = 0.5e-9 * abs(p1 / p0 - 1)  # half a lot of 1e-9 USD, moved by the price
    assert np.isclose(net, (1 - h) * s * (p1 - p0), rtol=1e-6, atol=rounding + 1e-9 * s * p0)


@given(a=st.lists(st.floats(1, 1e5), min_size=4, max_size=40))
def test_beta_of_a_series_on_itself_is_one(a):
    assume(np.ptp(np.diff(a) / np.array(a[:-1])) != 0)
    assert np.isclose(hx.beta(a, a), 1.0)
