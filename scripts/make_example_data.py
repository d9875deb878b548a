"""Rebuild the example data bundled in hedgexl/data from ../shared/data (run from the repo root).

Writes prices_2024.csv (daily closes, 2024-01-17 .. 2025-01-16, joined on date),
funding_binance_btcusd_perp.csv (the BINANCE:BTCUSD_PERP 8-hour rows) and the example
portfolio's betas. Sources and licences: hedgexl/data/SOURCES.md.
"""

import csv
from pathlib import Path

import numpy as np

import hedgexl as hx

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parents[1] / "hedgexl" / "data"
ASSETS = ["BTC", "ETH", "SOL", "BNB", "LINK"]
FIRST, LAST = "2024-01-17", "2025-01-16"


def read_prices(asset):
    with open(SHARED / "prices" / f"{asset}-USD.csv", newline="") as f:
        return {r["date"]: float(r["value"]) for r in csv.DictReader(f)}


series = {a: read_prices(a) for a in ASSETS}
dates = sorted(d for d in set().union(*series.values()) if FIRST <= d <= LAST)
with open(OUT / "prices_2024.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["date"] + ASSETS)
    for d in dates:
        w.writerow([d] + [repr(series[a][d]) if d in series[a] else "" for a in ASSETS])

with open(SHARED / "funding" / "perpetuals_8h_2023-2024.csv", newline="") as f, \
        open(OUT / "funding_binance_btcusd_perp.csv", "w", newline="") as g:
    w = csv.writer(g)
    w.writerow(["time_utc", "contract", "mark_price", "funding_rate"])
    for r in csv.DictReader(f):
        if r["contract"] == "BINANCE:BTCUSD_PERP":
            w.writerow([r["time_utc"], r["contract"], r["close"], r["funding_rate"]])

cols = {a: np.array([series[a].get(d, np.nan) for d in dates]) for a in ASSETS}
for a in ASSETS:
    print(a, round(hx.beta(cols[a], cols["BTC"]), 2), series[a][LAST])

# the example desk's funding (hedgexl demo): its four contracts, 2024-01-01 .. 2024-07-01
DESK = {"BINANCE:BTCUSD_PERP", "BINANCE:ETHUSD_PERP", "OKX:BTC-USD-SWAP", "OKX:ETH-USD-SWAP"}
with open(SHARED / "funding" / "perpetuals_8h_2023-2024.csv", newline="") as f, \
        open(OUT / "funding_desk_2024h1.csv", "w", newline="") as g:
    w = csv.writer(g)
    w.writerow(["time_utc", "contract", "mark_price", "funding_rate"])
    for r in csv.DictReader(f):
        if r["contract"] in DESK and r["time_utc"] >= "2024-01-01":
            w.writerow([r["time_utc"], r["contract"], r["close"], r["funding_rate"]])
