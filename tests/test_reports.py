"""hedgexl report / batch / demo, as a desk would run them."""

import csv
import os
from pathlib import Path

import openpyxl
import pytest

import hedgexl as hx
from hedgexl import cli, inputs
from hedgexl.inputs import InputError, example_path, read_holdings

from workbook_checks import ERRORS, cached_values, recalc_mismatches, render
from conftest import write

REPO = Path(__file__).resolve().parents[1]
RENDER_DIR = Path(os.environ.get("HEDGEXL_RENDER_DIR", REPO / "test-output" / "rendered"))
FUNDING = str(example_path("funding_binance_btcusd_perp.csv"))
PRICES = str(example_path("prices_2024.csv"))

GOOD = "asset,quantity,price,beta,hedge_ratio,contract\n" \
       "BTC,2,60000,1,75%,BINANCE:BTCUSD_PERP\nETH,10,3000,,50%,binance:ethusd_perp\n"


def test_formats_aliases_and_defaults(tmp_path):
    f = write(tmp_path / "p.csv", 'Coin,Qty,Spot Price,Hedge Ratio,Contract\n'
                                  ' BTC , "1,250.5" , " 60,000 ",75%,binance:btcusd_perp\n'
                                  'ETH,3,3000,,\n')  # '$3000' is refused (issue 23)
    h = read_holdings(f, default_hedge_ratio=0.5)
    assert h.asset == ["BTC", "ETH"]
    assert h.quantity.tolist() == [1250.5, 3.0]
    assert h.price.tolist() == [60000.0, 3000.0]
    assert h.hedge_ratio.tolist() == [0.75, 0.5]
    assert h.hedge_ratio_given.tolist() == [True, False]
    assert h.beta.tolist() == [1.0, 1.0] and not h.beta_given.any()
    # no contract given: ETH is hedged on its own inverse preset, on the default venue
    assert h.contract == ["BINANCE:BTCUSD_PERP", "BINANCE:ETHUSD_PERP"]
    assert h.contract_given.tolist() == [True, False]


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "the file is empty"),
    ("header_only.csv", b"asset,quantity,price\n", "no holdings rows"),
    ("missing.csv", b"asset,qty\nBTC,1\n", "missing column price"),
    ("text.csv", b"asset,quantity,price\nBTC,one,60000\n", "row 2: quantity must be a number, got 'one'"),
    ("negative.csv", b"asset,quantity,price\nBTC,1,60000\nETH,1,-5\n", "row 3: price must be > 0 (USD per coin), got -5"),
    ("unknown.csv", b"asset,quantity,price,contract\nBTC,1,1,BINANCE:BTCUSD\n", "row 2: unknown contract 'BINANCE:BTCUSD'; did you mean"),
    ("random.xlsx", os.urandom(4096), "not a valid .xlsx file"),
    ("ratio.csv", b"asset,quantity,price,hedge_ratio\nBTC,1,1,300%\n", "row 2: hedge_ratio must be between 0 and 2"),
])
def test_bad_inputs_give_clear_messages(tmp_path, name, content, message):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_holdings(p)


def test_huge_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs.tables, "MAX_INPUT_BYTES", 10_000)
    p = write(tmp_path / "huge.csv", "asset,quantity,price\n" + "BTC,1,1\n" * 5_000)
    with pytest.raises(InputError, match=r"the file is 39.1 KiB, over the 9.8 KiB limit"):
        read_holdings(p)


def test_report_static_and_live_agree_with_formulas(tmp_path):
    h = write(tmp_path / "fund_a.csv", GOOD)
    static, live = tmp_path / "s.xlsx", tmp_path / "l.xlsx"
    args = ["--funding", FUNDING, "--prices", PRICES]
    assert cli.main(["report", str(h), "-o", str(static), *args]) == 0
    assert cli.main(["report", str(h), "-o", str(live), "--mode", "live", *args]) == 0
    s = openpyxl.load_workbook(static)
    assert not any(isinstance(c.value, str) and c.value.startswith("=")
                   for ws in s.worksheets for r in ws.iter_rows() for c in r)
    cells, bad = recalc_mismatches(live)  # the formulas recompute the cached numbers
    assert len(cells) > 1000 and not bad, bad[:3]
    sv, lv = cached_values(static), cached_values(live)
    for addr, v in lv.items():
        if isinstance(v, (int, float)) and addr in sv:
            assert sv[addr] == pytest.approx(v, rel=1e-12), addr
    # the numbers are the core's
    assert lv["Holdings!I2"] == hx.hedge_contracts(120_000, "BINANCE:BTCUSD_PERP", 0.75)
    # ETH's blank beta was estimated from the prices against its contract's coin (ETH): 1
    assert lv["Holdings!D3"] == pytest.approx(1.0)


def test_no_overwrite_without_force(tmp_path, capsys):
    h = write(tmp_path / "a.csv", GOOD)
    out = tmp_path / "a.xlsx"
    assert cli.main(["report", str(h), "-o", str(out)]) == 0
    before = out.read_bytes()
    assert cli.main(["report", str(h), "-o", str(out)]) == 1
    assert "use --force" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert cli.main(["report", str(h), "-o", str(out), "--force"]) == 0


def test_batch_folder_with_two_broken_files(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        write(src / f"fund_{i}.csv", GOOD)
    write(src / "broken_price.csv", "asset,quantity,price\nBTC,1,60000\nETH,2,-3\n")
    (src / "broken_bytes.xlsx").write_bytes(os.urandom(2048))
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    out = tmp_path / "out"
    summary = tmp_path / "summary.csv"
    rc = cli.main(["batch", str(src), "-o", str(out), "--summary", str(summary),
                   "--funding", FUNDING])
    assert rc == 1
    err = capsys.readouterr().err
    assert "broken_price" in err and "row 3: price must be > 0" in err
    assert "broken_bytes" in err and "not a valid .xlsx" in err
    assert sorted(p.name for p in out.iterdir()) == [f"fund_{i}.xlsx" for i in range(4)]
    rows = list(csv.DictReader(summary.open()))
    assert [r["status"] for r in rows].count("FAILED") == 2 and len(rows) == 6
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before  # inputs untouched


def test_batch_long_file_with_portfolio_column_and_two_workers(tmp_path):
    lines = ["Portfolio,Asset,Qty,Price,Hedge Ratio,Contract"]
    for k in range(5):
        lines += [f"client {k},BTC,{k + 1},60000,75%,BINANCE:BTCUSD_PERP",
                  f"client {k},ETH,10,3000,50%,BINANCE:ETHUSD_PERP"]
    f = write(tmp_path / "book.csv", "\n".join(lines) + "\n")
    one, two = tmp_path / "one", tmp_path / "two"
    assert cli.main(["batch", str(f), "-o", str(one)]) == 0
    assert cli.main(["batch", str(f), "-o", str(two), "--workers", "2"]) == 0
    names = sorted(p.name for p in one.iterdir())
    assert names == [f"client {k}.xlsx" for k in range(5)]
    assert sorted(p.name for p in two.iterdir()) == names
    for n in names:
        assert cached_values(one / n) == cached_values(two / n)
    assert cached_values(one / "client 2.xlsx")["Holdings!I2"] == hx.hedge_contracts(
        3 * 60000, "BINANCE:BTCUSD_PERP", 0.75)


def test_demo_writes_the_example_desk_report(tmp_path, capsys):
    assert cli.main(["demo", "-o", str(tmp_path)]) == 0
    out = tmp_path / "example_desk.xlsx"
    v = cached_values(out)
    assert v["Holdings!I2"] == hx.hedge_contracts(12.5 * 60871.03, "BINANCE:BTCUSD_PERP",
                                                  0.8)
    assert v["Trades!A2"] == "binance-main" and v["Positions!B5"] == "OKX:ETH-USD-SWAP"
    assert "example desk" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["static", "live"])
def test_libreoffice_renders_reports_without_error_values(tmp_path, mode):
    h = write(tmp_path / f"report_{mode}.csv", GOOD)
    out = tmp_path / f"report_{mode}.xlsx"
    assert cli.main(["report", str(h), "-o", str(out), "--mode", mode, "--funding", FUNDING,
                     "--prices", PRICES]) == 0
    text, pngs = render(out, RENDER_DIR / f"report_{mode}", pages=(1, 2))
    assert not ERRORS.findall(text), ERRORS.findall(text)[:5]
    assert "Hedge report: report_" in text and "Payoff" in text
    assert pngs


def test_readme_example_files(tmp_path):
    h = read_holdings(REPO / "examples" / "holdings.csv")
    assert h.quantity[0] == 2.5 and h.price[0] == 100511.85 and h.hedge_ratio[0] == 0.75
    out = tmp_path / "book"
    assert cli.main(["batch", str(REPO / "examples" / "book.csv"), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["Fund A.xlsx", "Fund B.xlsx"]


def test_linear_contracts_and_multi_contract_funding_file(tmp_path, shared_data):
    """The shared funding file holds 14 series; the report picks the one its holdings use.
    A linear contract is sized at the price of its coin's holding."""
    h = write(tmp_path / "mixed.csv",
              "asset,quantity,price,hedge_ratio,contract\n"
              "BTC,2,60000,100%,BINANCE:BTCUSDT\n"
              "ETH,10,3000,50%,BINANCE:ETHUSD_PERP\n"
              "SOL,100,200,100%,BINANCE:BTCUSDT\n")
    out = tmp_path / "mixed.xlsx"
    funding = shared_data / "funding" / "perpetuals_8h_2023-2024.csv"
    assert cli.main(["report", str(h), "-o", str(out), "--mode", "live",
                     "--funding", str(funding)]) == 0
    v = cached_values(out)
    assert v["Holdings!I2"] == hx.hedge_contracts(120_000, "BINANCE:BTCUSDT",
                                                  hedge_price=60_000)  # -2 coins
    assert v["Holdings!I4"] == hx.hedge_contracts(20_000, "BINANCE:BTCUSDT",
                                                  hedge_price=60_000)
    assert v["Holdings!L4"] == 60_000  # SOL's linear hedge is priced at BTC's price
    assert v["Funding!H2"] == "BINANCE:BTCUSDT"
    cells, bad = recalc_mismatches(out)
    assert not bad, bad[:3]


def test_linear_contract_without_its_coin_is_a_clear_error(tmp_path):
    h = write(tmp_path / "sol.csv", "asset,quantity,price,contract\nSOL,100,200,"
                                    "BINANCE:BTCUSDT\n")
    with pytest.raises(InputError, match=r"sol.csv, row 2: BINANCE:BTCUSDT is a linear "
                                         r"contract.*needs a holding of BTC"):
        from hedgexl.reports import ReportOptions, report_file
        report_file(h, tmp_path / "sol.xlsx", ReportOptions())


def test_funding_for_no_held_contract_leaves_funding_out(tmp_path):
    h = write(tmp_path / "eth.csv", "asset,quantity,price,contract\nETH,10,3000,"
                                    "BINANCE:ETHUSD_PERP\n")
    out = tmp_path / "eth.xlsx"
    assert cli.main(["report", str(h), "-o", str(out), "--funding", FUNDING]) == 0
    assert cached_values(out)["Funding!A1"] == ("No funding history for this portfolio's "
                                                "contracts; the funding file has "
                                                "BINANCE:BTCUSD_PERP.")


def test_valuation_date_defaults_to_the_data_and_takes_a_flag(tmp_path, capsys):
    h = write(tmp_path / "h.csv", GOOD)
    dates, _ = inputs.read_prices(PRICES)
    funding = inputs.read_funding(FUNDING)
    for extra, expected in (([], funding.time[-1][:10]),  # funding only: its last time
                            (["--prices", PRICES], dates[-1]),  # prices: the last date
                            (["--prices", PRICES, "--valuation-date", "2024-06-30"],
                             "2024-06-30")):
        out = tmp_path / "r.xlsx"
        assert cli.main(["report", str(h), "-o", str(out), "--force", "--funding", FUNDING,
                         *extra]) == 0
        ws = openpyxl.load_workbook(out)["Dashboard"]
        assert ws["B4"].value.date().isoformat() == expected
        assert ws["A2"].value == "Yellow: inputs. White: computed by hedgexl (values, no " \
                                 "formulas)."
    with pytest.raises(SystemExit):
        cli.main(["report", str(h), "-o", str(out), "--valuation-date", "30/06/2024"])
    assert "argument --valuation-date: must be a date such as 2025-01-16, got '30/06/2024'" \
        in capsys.readouterr().err


def test_a_small_report_is_assembled_in_memory_a_large_one_on_disk(tmp_path, monkeypatch):
    """xlsxwriter writes a temporary file per sheet part unless told to work in memory: a
    third of a small report's CPU in a batch (issue 26). A report of at most
    IN_MEMORY_ROWS rows leaves the temporary folder untouched; above it, the parts go to
    disk (memory stays bounded) — shown by lowering the limit."""
    import tempfile

    from hedgexl.inputs import example_path
    from hedgexl.reports import ReportOptions, report_file
    from hedgexl.workbook import writer as W
    made = []
    real = tempfile.mkstemp

    def spy(*a, **kw):
        made.append(a)
        return real(*a, **kw)
    monkeypatch.setattr(tempfile, "mkstemp", spy)
    report_file(example_path("desk_holdings.csv"), tmp_path / "small.xlsx",
                ReportOptions(mode="static", force=True))
    assert made == []
    monkeypatch.setattr(W, "IN_MEMORY_ROWS", 0)
    report_file(example_path("desk_holdings.csv"), tmp_path / "large.xlsx",
                ReportOptions(mode="static", force=True))
    assert made  # the same workbook, over the limit: its parts went through temporary files


def test_a_large_live_book_sizes_its_hedge_with_one_spilled_formula(tmp_path):
    """Past HOLDINGS_SPILL_ROWS holdings a live workbook sizes every holding's hedge with
    one HEDGE_SIZE over the whole columns (one Python call a recalculation instead of
    three a row, issue 26), spilling notional, contracts and residual into hidden helper
    columns; the table's cells refer to them. Their cached values are the static report's,
    and the spilled formula, called the way xlwings calls it with the ranges it names,
    gives them again."""
    import csv
    import random

    import openpyxl

    from hedgexl import udfs as U
    from hedgexl.reports import ReportOptions, report_file
    from hedgexl.workbook import layout as L
    n = L.HOLDINGS_SPILL_ROWS + 50
    rng = random.Random(5)
    book = tmp_path / "big.csv"
    with open(book, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["asset", "quantity", "price", "beta", "hedge_ratio", "contract"])
        w.writerow(["BTC", 3, 60000, 1, "80%", "BINANCE:BTCUSD_PERP"])
        for i in range(n - 1):
            w.writerow([f"C{i}", round(rng.uniform(1, 100), 3), round(rng.uniform(1, 100), 2),
                        round(rng.uniform(0.5, 1.5), 2), f"{rng.randint(25, 100)}%",
                        rng.choice(["BINANCE:BTCUSD_PERP", "OKX:BTC-USD-SWAP",
                                    "BINANCE:BTCUSDT"])])
    live, static = tmp_path / "live.xlsx", tmp_path / "static.xlsx"
    report_file(book, live, ReportOptions(mode="live", force=True))
    report_file(book, static, ReportOptions(mode="static", force=True))
    ws = openpyxl.load_workbook(live)["Holdings"]
    cached = openpyxl.load_workbook(live, data_only=True)["Holdings"]
    values = openpyxl.load_workbook(static, data_only=True)["Holdings"]
    C, S, last = L.HOLDINGS_COLS, L.HOLDINGS_SPILL_COLS, n + 1
    rows = range(2, last + 1)
    anchor = ws[f"{S['notional']}2"].value
    assert anchor.ref == f"{S['notional']}2:{S['residual']}{last}"
    assert anchor.text.startswith(f"=HEDGE_SIZE({C['value']}2:{C['value']}{last},")
    assert "IF(" in anchor.text  # a blank hedge price (an inverse row) stands in its price
    keys = ("notional", "contracts", "residual")
    for k in keys:
        assert ws.column_dimensions[S[k]].hidden
        assert all(ws[f"{C[k]}{r}"].value == f"={S[k]}{r}" for r in rows)
    want = [[values[f"{C[k]}{r}"].value for k in keys] for r in rows]
    assert [[cached[f"{C[k]}{r}"].value for k in keys] for r in rows] == \
        [pytest.approx(w_, rel=1e-12) for w_ in want]
    # the formula itself: each range as xlwings passes it (the value and hedge price
    # cells' cached values, as Excel computes them; IF as Excel evaluates it)
    col = lambda k: [[cached[f"{C[k]}{r}"].value] for r in rows]  # noqa: E731
    hp = [[h[0] if h[0] not in (None, "") else p[0]] for h, p in
          zip(col("hedge_price"), col("price"))]
    got = U.HEDGE_SIZE(col("value"), col("contract"), col("ratio"), col("beta"), hp)
    assert got == [pytest.approx(w_, rel=1e-12) for w_ in want]
