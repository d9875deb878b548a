"""HEDGE_* called with what xlwings passes: numbers, None, text, nested lists (ndim=2)."""

import math

import numpy as np
import pytest

import hedgexl as hx
from hedgexl import udfs as U


def test_scalars_match_core():
    assert U.HEDGE_CONTRACTS(250_000, "BINANCE:BTCUSD_PERP", 0.25) == -625
    assert U.HEDGE_NOTIONAL(250_000, 0.25, 1) == 62_500
    assert U.HEDGE_BETA_SIZE(100_000, 1.5, 40_000) == -3.75
    assert U.HEDGE_PNL(10_000, 5_000, 6_000, "KRAKEN:PI_XBTUSD") == pytest.approx(1 / 3)
    assert U.HEDGE_PNL(15_000, 750, 800, 1, "usd") == pytest.approx(1_000)
    assert U.HEDGE_NET_PNL(5, 50_000, 42_500, -625, 50_000, 42_500, 100) == \
        pytest.approx(-28_125)
    assert U.HEDGE_AVG_ENTRY([[1_000], [2_000]], [[5_000], [6_000]]) == pytest.approx(5_625)
    assert U.HEDGE_BASIS(50_500, 50_000) == pytest.approx(0.01)
    assert U.HEDGE_SPEC("okx:eth-usd-swap", "face") == 10
    assert U.HEDGE_SPEC("BINANCE:BTCUSDT", "lot") == 0.001
    assert U.HEDGE_SPEC("BINANCE:BTCUSDT", "type") == "linear"


def test_optional_arguments_omitted_as_xlwings_passes_them():
    # xlwings passes the Python default for an omitted optional argument; a blank single
    # cell given for it arrives as None and takes the default too.
    assert U.HEDGE_CONTRACTS(250_000, 100, None, None, None, None) == -2_500
    assert U.HEDGE_LIQ_PRICE(10_000, 50_000, 0.02, 1, None) == pytest.approx(50_000 * 10 / 11)


def test_column_range_spills_a_column_with_blank_rows():
    v = [[250_000.0], [None], [100_000.0], [""]]
    out = U.HEDGE_CONTRACTS(v, "BINANCE:BTCUSD_PERP", 0.5)
    assert out == [[-1_250.0], [None], [-500.0], [None]]


def test_row_range_spills_a_row():
    out = U.HEDGE_NOTIONAL([[100.0, 200.0, None]], 0.5)
    assert out == [[50.0, 100.0, None]]


def test_per_row_contracts_and_inputs():
    v = [[1e5], [1e5], [1e5]]
    keys = [["BINANCE:BTCUSD_PERP"], ["bybit:btcusd"], [10]]
    assert U.HEDGE_CONTRACTS(v, keys) == [[-1_000.0], [-100_000.0], [-10_000.0]]


def test_bad_row_shows_message_others_compute():
    out = U.HEDGE_PNL([[100], [100], [100]], [[50_000], [-5], ["abc"]], 60_000, 100)
    assert out[0][0] == pytest.approx(hx.inverse_pnl(100, 50_000, 60_000, 100))
    assert out[1][0] == "#VALUE!" and out[2][0] == "#VALUE!"  # real error values
    assert out[1][0].reason == "entry_price must be > 0, got -5"
    assert out[2][0].reason == "entry_price must be a number, got 'abc'"


def test_unknown_key_in_one_row():
    out = U.HEDGE_CONTRACTS([[1e5], [1e5]], [["BINANCE:BTCUSD_PERP"], ["BINANCE:BTCUSD"]])
    assert out[0] == [-1_000.0]
    assert out[1][0] == "#VALUE!"
    assert out[1][0].reason.startswith("unknown contract 'BINANCE:BTCUSD'; did you mean")


def test_text_numbers_parse():
    assert U.HEDGE_NOTIONAL("1,000", "75%") == 750


def _why(res):
    assert res == "#VALUE!", res
    return res.reason


def test_whole_call_errors_are_one_message_never_a_traceback():
    assert _why(U.HEDGE_NOTIONAL([[1], [2]], [[1], [2], [3]])).startswith(
        "ranges of different sizes")
    assert _why(U.HEDGE_PNL(1, 1, 2, 100, "eur")) == "unit must be one of settle, coin, usd, got 'eur'"
    assert _why(U.HEDGE_SPEC("X:Y", "face")).startswith("unknown contract")
    assert _why(U.HEDGE_SPEC("BYBIT:BTCUSD", "colour")).startswith("field must be one of")
    assert _why(U.HEDGE_BETA([[1], [2]], [[1], [2]])).startswith("asset_prices and")
    assert _why(U.HEDGE_CONTRACTS(1e5, "BINANCE:BTCUSDT")).startswith(
        "hedge_price is required")
    assert U.HEDGE_NOTIONAL(None) is None  # a blank cell in, a blank out
    assert U.HEDGE_EXPLAIN("HEDGE_PNL", 1, 1, 2, 100, "eur") == \
        "unit must be one of settle, coin, usd, got 'eur'"
    assert _why(U.HEDGE_EXPLAIN("HEDGE_NOPE", 1)).startswith("function must be a HEDGE_*")


def test_liquidation_none_text():
    out = U.HEDGE_LIQ_PRICE([[10_000], [-10_000]], 50_000, [[0.02], [0.2]], 1, 0.005)
    assert out[0][0] == pytest.approx(hx.liquidation_price(10_000, 50_000, 0.02, 1, 0.005))
    assert out[1][0] == "none"


def test_funding_udfs_match_core_on_bundled_history():
    from hedgexl.inputs import example_path, read_funding
    f = read_funding(example_path("funding_binance_btcusd_perp.csv"))
    m = [[x] for x in f.mark_price]
    r = [[x] for x in f.funding_rate]
    total = U.HEDGE_FUNDING(-9_423, "BINANCE:BTCUSD_PERP", m, r)
    assert total == pytest.approx(hx.funding_total(-9_423, "BINANCE:BTCUSD_PERP",
                                                   f.mark_price, f.funding_rate), rel=1e-12)
    series = U.HEDGE_FUNDING_SERIES(-9_423, "BINANCE:BTCUSD_PERP", m, r)
    assert len(series) == len(m) and series[-1][0] == pytest.approx(total, rel=1e-12)
    usd = U.HEDGE_FUNDING(-9_423, "BINANCE:BTCUSD_PERP", m, r, "usd")
    assert usd == pytest.approx(np.sum(9_423 * 100 * f.funding_rate), rel=1e-9)


def test_beta_and_effectiveness_with_gaps():
    a = [[10], [12], [None], [9.6], [11.52]]
    b = [[100], [110], [105], [99], [108.9]]
    assert U.HEDGE_BETA(a, b) == pytest.approx(2.0)
    assert U.HEDGE_EFFECTIVENESS(a, b) == pytest.approx(1.0)
    assert U.HEDGE_BETA(a, b, "log") == pytest.approx(
        hx.beta([10, 12, np.nan, 9.6, 11.52], [100, 110, 105, 99, 108.9], "log"))


def test_scenario_table_spills():
    t = U.HEDGE_SCENARIO([[5], [None]], [[50_000], [3_000]], [[-625], [None]], 100)
    assert len(t) == 11 and len(t[0]) == 5
    row = [r for r in t if math.isclose(r[0], -0.5)][0]
    assert row[2:] == pytest.approx([-125_000, 31_250, -93_750])
    t = U.HEDGE_SCENARIO(5, 50_000, -625, 100, [[-0.15], [0.1]])
    assert t[0] == pytest.approx([-0.15, 42_500, -37_500, 9_375, -28_125])


def test_fee_units():
    assert U.HEDGE_FEE(-625, 50_000, 100, 0.0005) == pytest.approx(0.000625)
    # one unit rule (issue 24): the settlement currency by default, coin or USD when asked;
    # 2 ETH of ETHUSDT at 3,000 and 0.05 %: 3 USDT booked, 0.001 ETH at the price
    assert U.HEDGE_FEE(2, 3_000, "BINANCE:ETHUSDT", 0.0005) == pytest.approx(3.0)  # USDT
    assert U.HEDGE_FEE(2, 3_000, "BINANCE:ETHUSDT", 0.0005, "coin") == pytest.approx(0.001)
    assert U.HEDGE_FEE(2, 3_000, "BINANCE:ETHUSDT", 0.0005, "usd") == pytest.approx(3.0)
    assert U.HEDGE_FEE(-625, 50_000, 100, 0.0005, "usd") == pytest.approx(31.25)


def test_usdt_contracts_answer_as_the_venue_books_them():
    """Issue 24's examples: long 0.1 BTC of BTCUSDT from 100,000 to 160,000 is 6,000 USDT on
    every venue's ledger (it was 0.0375 BTC); the venue's own −2.49 USDT of funding typed
    into HEDGE_NET_PNL is −2.49 USD (it became −149,400 USD at the exit price)."""
    assert U.HEDGE_PNL(0.1, 100_000, 160_000, "BINANCE:BTCUSDT") == pytest.approx(6_000)
    assert U.HEDGE_PNL(0.1, 100_000, 160_000, "BINANCE:BTCUSDT", "coin") == \
        pytest.approx(6_000 / 160_000)
    spot_and_futures = 0.1 * (160_000 - 100_000) + -0.1 * (160_000 - 100_000)
    assert U.HEDGE_NET_PNL(0.1, 100_000, 160_000, -0.1, 100_000, 160_000, "BINANCE:BTCUSDT",
                           -2.49, 0) == pytest.approx(spot_and_futures - 2.49)
    # funding of a short 0.5 BTC at 60,000 and 0.01 %: 3 USDT received (−q·c·M·r)
    assert U.HEDGE_FUNDING(-0.5, "BINANCE:BTCUSDT", [[60_000]], [[1e-4]]) == \
        pytest.approx(0.5 * 60_000 * 1e-4)


def test_reference_doc_is_fresh():
    from pathlib import Path
    from hedgexl.addin import reference
    doc = Path(__file__).resolve().parents[1] / "docs" / "functions.md"
    assert doc.read_text("utf-8") == reference.render(), \
        "docs/functions.md is stale: run `hedgexl docs`"
