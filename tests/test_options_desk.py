"""``hedgexl options`` (issue 28): a put and a collar beside the perpetual hedge, per holding.

Numbers from elsewhere: Deribit's marks in the chain files, read here with csv; the payoff
at expiry written out from its definition (a long put pays max(K − S_T, 0) per coin; the
premium is coin paid now); Deribit's short-call margin formula with the data file's figures;
the funding file's own rates for the perpetual's carry.
"""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest

from hedgexl import cli
from hedgexl.book.protection import SHOCKS, protect
from hedgexl.inputs import example_path, read_holdings
from hedgexl.inputs.options import read_option_chain

from test_print import RENDER_DIR, pages_framed, unframed_sheets
from workbook_checks import render

BTC_CHAIN = example_path("options_btc_2025-12-05.csv")


def chain_marks(path) -> dict:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    name = "instrument_name"
    mark = "market_price_btc" if "market_price_btc" in rows[0] else "mark_price"
    fwd = "S0" if "S0" in rows[0] else "underlying_price"
    return {r[name]: (float(r[mark]), float(r[fwd])) for r in rows}


@pytest.fixture(scope="module")
def desk():
    h = read_holdings(example_path("desk_holdings.csv"))
    return h, protect(h, read_option_chain(BTC_CHAIN))


def test_the_eth_chain_with_the_perpetuals_funding(tmp_path, shared_data):
    """Deribit's ETH chain of 2024-01-08 11:19 UTC (marks, no IV): the put's volatility is
    backed out of its mark; the perpetual's carry is its 30-day average funding to expiry,
    on its notional (the funding file's own rates, averaged here)."""
    chain = shared_data / "options" / "eth_2023-12-24_2024-01-08" / \
        "deribit_eth_options_2024-01-08.csv"
    funding = example_path("funding_desk_2024h1.csv")
    out = tmp_path / "eth.xlsx"
    assert cli.main(["options", str(example_path("desk_holdings.csv")), "--chain", str(chain),
                     "--funding", str(funding), "--expiry", "29MAR24", "-o", str(out)]) == 0
    h = read_holdings(example_path("desk_holdings.csv"))
    from hedgexl.inputs import read_funding_all
    pb = protect(h, read_option_chain(chain), expiry="2024-03-29",
                 funding=read_funding_all(funding))
    (eth,) = pb.holdings
    assert eth.price == 2222.19 and eth.covered == 120.0  # 80 % of 150 ETH, whole options
    with open(funding, newline="") as f:
        rates = [float(r["funding_rate"]) for r in csv.DictReader(f)
                 if r["contract"] == "BINANCE:ETHUSD_PERP"
                 and r["time_utc"] <= "2024-01-08T11:19"]
    n = round(0.8 * 150 * 2222.19 / 10)
    years = (dt.datetime(2024, 3, 29, 8) - dt.datetime(2024, 1, 8, 11, 19)).total_seconds() \
        / 86400 / 365
    assert eth.choices[0].carry_usd == pytest.approx(n * 10 * sum(rates) / len(rates)
                                                     * 3 * 365 * years, rel=1e-9)
    put = eth.options[0]
    assert not put["iv_given"] and 0.3 < put["iv"] < 1.5
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Protection", "Payoff", "Options used"]
    text = " ".join(str(c) for r in wb["Protection"].iter_rows(values_only=True) for c in r
                    if c is not None)
    assert "options of 2024-01-08 11:19 UTC" in text and "implied by the mark" in " ".join(
        str(c) for r in wb["Options used"].iter_rows(values_only=True) for c in r if c)


def test_the_command_refuses_in_one_line(tmp_path, capsys):
    out = tmp_path / "o.xlsx"
    assert cli.main(["options", "--expiry", "28MAR26", "-o", str(out)]) == 1
    assert "--expiry 28MAR26: the chain lists 6DEC25" in capsys.readouterr().err
    only_sol = tmp_path / "sol.csv"
    only_sol.write_text("asset,quantity,price,hedge_ratio,contract\n"
                        "SOL,100,140,1,BINANCE:BTCUSD_PERP\n")
    assert cli.main(["options", str(only_sol), "-o", str(out)]) == 1
    assert "no holding can be protected with options_btc_2025-12-05.csv" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["options", "--put-delta", "0.3", "-o", str(out)])
    assert "a put's delta is from -1 to 0" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_the_options_workbook_prints_three_framed_pages(tmp_path, capsys):
    out = tmp_path / "options.xlsx"
    assert cli.main(["options", "-o", str(out)]) == 0
    assert "chain of 2025-12-05 01:10 UTC" in capsys.readouterr().out
    assert unframed_sheets(out) == []
    text, pngs = render(out, RENDER_DIR / "print_options")
    assert pages_framed(text) == (3, 3)
    assert "Chain of 2025-12-05 01:10 UTC" in text and "Deribit BTC options of 2025-12-05" \
        in text
    assert len(pngs) == 3


def test_fetch_options_through_ccxt_reads_back_as_deribits_own_file(tmp_path, shared_data,
                                                                    capsys):
    """A stand-in of Deribit answers public/get_book_summary_by_currency with the real ETH
    chain of 2024-01-08 (its own records); ccxt fetches it, hedgexl writes it, and the
    written chain reads as the original file does, option by option."""
    pytest.importorskip("ccxt")
    from venues import VenueServer, desk_state
    src = shared_data / "options" / "eth_2023-12-24_2024-01-08" / \
        "deribit_eth_options_2024-01-08.csv"
    with open(src, newline="") as f:
        raw = list(csv.DictReader(f))
    numbers = ("mid_price", "estimated_delivery_price", "volume_usd", "interest_rate",
               "volume", "underlying_price", "price_change", "mark_price", "open_interest",
               "ask_price", "bid_price", "last", "low", "high")
    records = [{k: (float(v) if v else None) if k in numbers else
                (int(v) if k == "creation_timestamp" else v)
                for k, v in r.items() if k} for r in raw]
    for r in records:  # Deribit's summary carries the mark IV too (the file has none)
        r["mark_iv"] = 55.5
    state = desk_state()
    state.options["ETH"] = records
    out = tmp_path / "chain.csv"
    with VenueServer(state) as base:
        assert cli.main(["fetch", "options", "ETH", "-o", str(out), "--api-base", base,
                         "--backoff", "0.01"]) == 0
        assert cli.main(["fetch", "options", "ETH", "--expiry", "28MAR24", "-o",
                         str(tmp_path / "x.csv"), "--api-base", base]) == 1
        assert "--expiry 28MAR24: Deribit lists ETH options expiring" in \
            capsys.readouterr().err
    got, want = read_option_chain(out), read_option_chain(src)
    assert got.time == want.time == dt.datetime(2024, 1, 8, 11, 19)
    order = sorted(range(len(want.instrument)), key=lambda i: want.instrument[i])
    assert got.instrument == [want.instrument[i] for i in order]
    assert list(got.mark) == [want.mark[i] for i in order]
    assert list(got.forward) == [want.forward[i] for i in order]
    assert got.index == want.index == {"ETH": 2222.19}
    assert set(got.iv.tolist()) == {0.555}


def test_option_scenario_in_excel_is_the_collar_of_the_desk_view(runtime, desk):
    """HEDGE_OPTION_SCENARIO with the collar's two legs (through xlwings' conversion and
    Lite's call path) gives the desk view's collar on the covered coins, shock by shock."""
    from xlcall import as_grid, cell, column
    h, pb = desk
    (btc,) = pb.holdings
    collar = btc.choices[2]
    put, call = btc.options
    shocks = [s for s in SHOCKS if s <= 0.5]
    got = as_grid(runtime.call("HEDGE_OPTION_SCENARIO", cell(btc.covered), cell(btc.price),
                               column(["put", "call"]), column([put["strike"], call["strike"]]),
                               column([btc.covered, -btc.covered]),
                               column([put["mark"], call["mark"]]), column(shocks)))
    for row, s in zip(got, shocks):
        i = SHOCKS.index(s)
        rest = (btc.quantity - btc.covered) * btc.price * (1 + s)  # the coins left bare
        assert row[0] == pytest.approx(s) and row[4] + rest == pytest.approx(
            collar.values[i], rel=1e-12)


def chain_file(path, rows, time="2025-12-05T01:10:00Z"):
    """A chain in hedgexl fetch's layout: (name, mark, future[, iv %])."""
    lines = ["time_utc,instrument_name,mark_price,underlying_price,mark_iv"]
    for r in rows:
        lines.append(f"{time},{r[0]},{r[1]},{r[2]},{r[3] if len(r) > 3 else ''}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _hold(path, *rows):
    path.write_text("asset,quantity,price,beta,hedge_ratio,contract\n" + "".join(
        f"{r}\n" for r in rows))
    return path


def test_what_a_hostile_review_found(tmp_path, capsys):
    """Each of these had given a wrong number, a traceback or a misleading line."""
    btc = read_option_chain(BTC_CHAIN)
    out = tmp_path / "o.xlsx"
    # --moneyness as a percentage, as its help writes it
    assert cli.main(["options", "--moneyness", "90%", "-o", str(out)]) == 0
    # beta sizes the perpetual as the hedge does (1.5 x 0.8 x 12.5 BTC)
    h = read_holdings(_hold(tmp_path / "b.csv", "BTC,12.5,92530,1.5,0.8,BINANCE:BTCUSD_PERP"))
    perp = protect(h, btc).holdings[0].choices[0]
    assert perp.legs == [f"short {round(1.5 * 0.8 * 12.5 * btc.index['BTC'] / 100):,} "
                         f"BINANCE:BTCUSD_PERP"]
    # a linear full hedge is flat: no breakeven (it had 300 from rounding noise)
    h = read_holdings(_hold(tmp_path / "l.csv", "BTC,12.5,92530,1,1,BINANCE:BTCUSDT"))
    assert protect(h, btc).holdings[0].choices[0].breakeven in ([], [pytest.approx(
        btc.index["BTC"], rel=1e-3)])
    # a holding hedged on another coin compares the holding's own perpetual, and says so
    h = read_holdings(_hold(tmp_path / "x.csv", "BTC,12.5,92530,1,0.8,BINANCE:ETHUSD_PERP"))
    pb = protect(h, btc)
    assert "BINANCE:BTCUSD_PERP" in pb.holdings[0].choices[0].legs[0]
    assert any("the perpetual compared is BINANCE:BTCUSD_PERP" in n for n in pb.notes)
    # a settled quarterly, a short holding, a coin with no option terms: refused
    h = read_holdings(_hold(tmp_path / "d.csv", "BTC,12.5,92530,1,0.8,BINANCE:BTCUSD_240628"))
    with pytest.raises(ValueError, match="BINANCE:BTCUSD_240628 settled on 2024-06-28"):
        protect(h, btc)
    h = read_holdings(_hold(tmp_path / "s.csv", "BTC,-10,92530,1,0.8,BINANCE:BTCUSD_PERP"))
    with pytest.raises(ValueError, match="a holding of -10 BTC is not long"):
        protect(h, btc)
    sol = chain_file(tmp_path / "sol.csv", [("SOL-27MAR26-100-P", 0.05, 140.0)])
    h = read_holdings(_hold(tmp_path / "h.csv", "SOL,100,140,1,1,BINANCE:BTCUSD_PERP"))
    with pytest.raises(ValueError, match="no option terms for SOL"):
        protect(h, read_option_chain(sol))
    # a collar far in the money: the call is struck above the put, and the cost is said
    pb = protect(read_holdings(example_path("desk_holdings.csv")), btc, moneyness=1.15)
    put, call = pb.holdings[0].options
    assert call["strike"] > put["strike"]
    assert any("far from zero cost" in n for n in pb.notes)
    # --put-delta and --moneyness together
    with pytest.raises(SystemExit):
        cli.main(["options", "--put-delta=-0.25", "--moneyness", "0.8", "-o", str(out)])
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_chain_of_two_coins_protects_each_in_its_own_coin(tmp_path):
    """BTC (Deribit's marks) and ETH (priced here at 60 %) to one expiry: each row's
    amounts are in its own coin, and the page says so."""
    from hedgexl.core import option_price
    rows = [(n, m, f, iv) for n, (m, f) in chain_marks(BTC_CHAIN).items() if "-27MAR26-" in n
            for iv in [""]]
    years = (dt.datetime(2026, 3, 27, 8) - dt.datetime(2025, 12, 5, 1, 10)).days / 365
    for k in range(2400, 4400, 100):
        for cp, kind in (("P", "put"), ("C", "call")):
            rows.append((f"ETH-27MAR26-{k}-{cp}",
                         round(option_price(kind, 3200, k, years, 0.6), 6), 3200.0, 60.0))
    chain = chain_file(tmp_path / "two.csv", rows)
    h = _hold(tmp_path / "h.csv", "BTC,12.5,92530,1,0.8,BINANCE:BTCUSD_PERP",
              "ETH,150,3200,1,0.8,BINANCE:ETHUSD_PERP")
    out = tmp_path / "two.xlsx"
    assert cli.main(["options", str(h), "--chain", str(chain), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    rows_ = list(wb["Protection"].iter_rows(values_only=True))
    assert "Deribit BTC, ETH options" in rows_[1][0]
    assert "Cost today (the holding's coin, + paid)" in rows_[4]
    assert any(r[0] and str(r[0]).startswith("ETH 150") for r in rows_)


def test_option_functions_refuse_a_vol_in_percent_and_days_for_years():
    from hedgexl.udfs import HEDGE_OPTION_PRICE, HEDGE_OPTION_SCENARIO
    assert "vol is a fraction a year" in HEDGE_OPTION_PRICE.values(
        "call", 93885.74, 100000, 0.30763, 44.77).reason
    assert "years is the time to expiry in years" in HEDGE_OPTION_PRICE.values(
        "call", 93885.74, 100000, 84, 0.4477).reason
    assert HEDGE_OPTION_PRICE("call", 93885.74, 100000, 0.30763, "44.77%") == \
        pytest.approx(HEDGE_OPTION_PRICE("call", 93885.74, 100000, 0.30763, 0.4477))
    # a blank row under the legs is no leg
    got = HEDGE_OPTION_SCENARIO(10, 100000, [["put"], ["call"], [None]],
                                [[90000], [110000], [None]], [[10], [-10], [None]],
                                [[0.05], [0.04], [None]], -0.25)
    assert got == [[-0.25, 75000.0, 750000.0, 142500.0, 892500.0]]
