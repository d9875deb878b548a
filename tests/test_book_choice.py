"""book/choice.py: perpetual or dated, each coin's short hedge's carry a year from the funding
file and Deribit's futures of the day, computed here from the files."""

from __future__ import annotations

import csv
import datetime as dt
import pytest
import hedgexl as hx


def test_perpetual_or_dated_in_the_desk_report(tmp_path, shared_data):
    """100 ETH hedged on BINANCE:ETHUSD_PERP on 2024-01-08, with Deribit's ETH futures of
    that morning: each dated future's (F/S − 1)·365/days and the perpetual's funding a year
    (latest fixing x 3 a day x 365, and its 30-day mean), computed here from the files, on
    the hedge's notional; the cheaper named."""
    from hedgexl import cli

    chain = (shared_data / "options" / "eth_2023-12-24_2024-01-08"
             / "deribit_eth_options_2024-01-08.csv")
    futures = {}
    with chain.open() as fh:
        for r in csv.DictReader(fh):
            if not r["underlying_index"].startswith("SYN."):
                futures.setdefault("DERIBIT:" + r["underlying_index"], float(r["underlying_price"]))
    fut = tmp_path / "futures.csv"
    fut.write_text("time,contract,price\n" + "".join(
        f"2024-01-08T11:19:00Z,{k},{v}\n" for k, v in futures.items()))
    hold = tmp_path / "eth.csv"
    hold.write_text("asset,quantity,price,hedge_ratio,contract\n"
                    "ETH,100,2222.19,100%,BINANCE:ETHUSD_PERP\n")
    pos = tmp_path / "pos.csv"
    pos.write_text("account,contract,contracts,entry_price,margin,mode,opened_at\n"
                   "b,BINANCE:ETHUSD_PERP,-20000,2200,5,isolated,2024-01-01T00:00Z\n")
    funding = shared_data / "funding" / "perpetuals_8h_2023-2024.csv"
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(hold), "--positions", str(pos), "--futures-prices",
                     str(fut), "--funding", str(funding), "--valuation-date", "2024-01-08",
                     "-o", str(out)]) == 0
    from workbook_checks import cached_values
    v = cached_values(out)
    rows = {}
    for addr, val in v.items():
        if addr.startswith("Dashboard!B") and isinstance(val, str) and ":" in val:
            r = addr[len("Dashboard!B"):]
            rows[(val, v.get(f"Dashboard!C{r}"))] = v.get(f"Dashboard!E{r}")
    notional = 100 * 2222.19
    seen = dt.datetime(2024, 1, 8, 11, 19)
    for key, f in futures.items():
        days = (hx.expiry_of(key) - seen).total_seconds() / 86400
        want = (f / 2222.19 - 1) * 365 / days * notional
        assert rows[(key, f"{days:.0f} days")] == pytest.approx(want, rel=1e-9)
    fixings = []
    with funding.open() as fh:
        for r in csv.DictReader(fh):
            if r["contract"] == "BINANCE:ETHUSD_PERP" and r["funding_rate"] and \
                    r["time_utc"] <= "2024-01-08T23:59:59Z":
                fixings.append((r["time_utc"], float(r["funding_rate"])))
    latest = fixings[-1][1] * 3 * 365
    month = [x for t, x in fixings if t > "2023-12-09T23:59:59Z"]
    assert rows[("BINANCE:ETHUSD_PERP", "latest rate")] == pytest.approx(latest * notional)
    assert rows[("BINANCE:ETHUSD_PERP", "30-day avg")] == pytest.approx(
        sum(month) / len(month) * 3 * 365 * notional)
    best = max(rows.items(), key=lambda kv: kv[1])[0]
    assert any(f"Cheaper (in bold): ETH: {best[0]} ({best[1]})" in str(x) for x in v.values())
