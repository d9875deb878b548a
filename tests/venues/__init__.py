"""Stand-ins for the venues' public APIs (see server.py), fed with the bundled data."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from .server import DAY, HOUR, Series, Spec, State, VenueServer  # noqa: F401

DATA = Path(__file__).resolve().parents[2] / "hedgexl" / "data"


def t_ms(text: str) -> int:
    """ms of ``2024-01-01T08:00:00Z`` or ``2024-01-01``."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp() * 1000)


def bundled_funding(contract: str, name="funding_desk_2024h1.csv") -> Series:
    """A contract's rows of a bundled funding file, read with the csv module alone."""
    with open(DATA / name, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["contract"] == contract]
    return Series([t_ms(r["time_utc"]) for r in rows], [float(r["funding_rate"]) for r in rows],
                  [float(r["mark_price"]) for r in rows])


def bundled_closes(asset: str, name="prices_2024.csv") -> dict:
    """{day ms: close} of one column of a bundled price file (blank days left out)."""
    with open(DATA / name, newline="") as f:
        return {t_ms(r["date"]): float(r[asset]) for r in csv.DictReader(f) if r[asset]}


#: The contracts the stand-ins list, keyed as hedgexl keys them (spot: VENUE.SPOT:PAIR).
SPECS = {
    "BINANCE:BTCUSD_PERP": Spec("BTCUSD_PERP", "BTC", "USD", "BTC", 100, 0.1, 1),
    "BINANCE:ETHUSD_PERP": Spec("ETHUSD_PERP", "ETH", "USD", "ETH", 10, 0.01, 1),
    "BINANCE:BTCUSDT": Spec("BTCUSDT", "BTC", "USDT", "USDT", 1, 0.1, 0.001, inverse=False),
    "BINANCE:ETHUSDT": Spec("ETHUSDT", "ETH", "USDT", "USDT", 1, 0.01, 0.001, inverse=False),
    "BINANCE.SPOT:ETHUSDT": Spec("ETHUSDT", "ETH", "USDT", "USDT", 1, 0.01, 0.0001,
                                 inverse=False),
    "BINANCE.SPOT:BTCUSDT": Spec("BTCUSDT", "BTC", "USDT", "USDT", 1, 0.01, 0.00001,
                                 inverse=False),
    "OKX:BTC-USD-SWAP": Spec("BTC-USD-SWAP", "BTC", "USD", "BTC", 100, 0.1, 1),
    "OKX:ETH-USD-SWAP": Spec("ETH-USD-SWAP", "ETH", "USD", "ETH", 10, 0.01, 1),
    "OKX:BTC-USDT-SWAP": Spec("BTC-USDT-SWAP", "BTC", "USDT", "USDT", 0.01, 0.1, 0.01,
                              inverse=False),
    "OKX:ETH-USDT-SWAP": Spec("ETH-USDT-SWAP", "ETH", "USDT", "USDT", 0.1, 0.01, 0.01,
                              inverse=False),
    "DERIBIT:BTC-PERPETUAL": Spec("BTC-PERPETUAL", "BTC", "USD", "BTC", 10, 0.5, 10),
    "DERIBIT:ETH-PERPETUAL": Spec("ETH-PERPETUAL", "ETH", "USD", "ETH", 1, 0.05, 1),
    "KRAKEN:PI_XBTUSD": Spec("PI_XBTUSD", "BTC", "USD", "BTC", 1, 0.5, 1),
    "BYBIT:BTCUSD": Spec("BTCUSD", "BTC", "USD", "BTC", 1, 0.5, 1),
    "BYBIT:ETHUSD": Spec("ETHUSD", "ETH", "USD", "ETH", 1, 0.05, 1),
    "BYBIT:BTCUSDT": Spec("BTCUSDT", "BTC", "USDT", "USDT", 1, 0.1, 0.001, inverse=False),
    "BYBIT:ETHUSDT": Spec("ETHUSDT", "ETH", "USDT", "USDT", 1, 0.01, 0.01, inverse=False),
}

#: Tier records in each venue's own shape (Binance's brackets, OKX's position tiers,
#: Bybit's risk limits).
TIERS = {
    "BINANCE": [{"bracket": 1, "initialLeverage": 125, "qtyCap": 5, "qtyFloor": 0,
                 "maintMarginRatio": 0.004, "cum": 0.0},
                {"bracket": 2, "initialLeverage": 100, "qtyCap": 10, "qtyFloor": 5,
                 "maintMarginRatio": 0.005, "cum": 0.005}],
    "OKX": [{"tier": "1", "minSz": "0", "maxSz": "5000", "mmr": "0.004", "imr": "0.008",
             "maxLever": "125"},
            {"tier": "2", "minSz": "5001", "maxSz": "20000", "mmr": "0.005", "imr": "0.01",
             "maxLever": "100"}],
    "BYBIT": [{"id": 1, "riskLimitValue": "150", "maintenanceMargin": "0.005",
               "initialMargin": "0.01", "isLowestRisk": 1, "maxLeverage": "100.00",
               "mmDeduction": "0"},
              {"id": 2, "riskLimitValue": "300", "maintenanceMargin": "0.01",
               "initialMargin": "0.015", "isLowestRisk": 0, "maxLeverage": "66.67",
               "mmDeduction": "0.75"}],
}


#: Kraken Futures' ``marginLevels`` of PI_XBTUSD, in its instrument list's shape: each level
#: from ``contracts`` (1-USD contracts) up, the bundled table's rates.
KRAKEN_LEVELS = [{"contracts": c, "initialMargin": im, "maintenanceMargin": mm}
                 for c, im, mm in [(0, 0.02, 0.01), (500000, 0.04, 0.02),
                                   (1000000, 0.06, 0.03), (3000000, 0.1, 0.05),
                                   (6000000, 0.15, 0.075), (12000000, 0.25, 0.125),
                                   (20000000, 0.3, 0.15), (50000000, 0.4, 0.2)]]


def hourly(f: Series) -> Series:
    """An hourly venue made from an 8-hourly series: each hour an eighth of the rate, at
    the last mark."""
    times = list(range(f.times[0], f.times[-1] + 1, HOUR))
    rates, marks, j = [], [], 0
    for t in times:
        while j + 1 < len(f.times) and f.times[j + 1] <= t:
            j += 1
        rates.append(f.rates[j] / 8)
        marks.append(f.marks[j])
    return Series(times, rates, marks, interval_h=1)


def desk_state() -> State:
    """The venues as the bundled desk data saw them in the first half of 2024: Binance's
    and OKX's funding as bundled; Bybit's and the USDS-M swaps' a copy of Binance's."""
    st = State(specs={k: Spec(**vars(s)) for k, s in SPECS.items()})
    for c in ("BINANCE:BTCUSD_PERP", "BINANCE:ETHUSD_PERP", "OKX:BTC-USD-SWAP",
              "OKX:ETH-USD-SWAP"):
        st.funding[c] = bundled_funding(c)
    for coin in ("BTC", "ETH"):
        src = bundled_funding(f"BINANCE:{coin}USD_PERP")
        for k in (f"BINANCE:{coin}USDT", f"BYBIT:{coin}USD", f"BYBIT:{coin}USDT",
                  f"OKX:{coin}-USDT-SWAP"):
            st.funding[k] = src
    for k in SPECS:
        venue = k.split(":")[0]
        if venue in TIERS:
            st.tiers[k] = TIERS[venue]
    st.funding["DERIBIT:BTC-PERPETUAL"] = hourly(bundled_funding("BINANCE:BTCUSD_PERP"))
    st.funding["DERIBIT:ETH-PERPETUAL"] = hourly(bundled_funding("BINANCE:ETHUSD_PERP"))
    st.funding["KRAKEN:PI_XBTUSD"] = st.funding["DERIBIT:BTC-PERPETUAL"]
    st.tiers["KRAKEN:PI_XBTUSD"] = KRAKEN_LEVELS
    st.closes["BINANCE.SPOT:ETHUSDT"] = bundled_closes("ETH")
    st.closes["BINANCE.SPOT:BTCUSDT"] = bundled_closes("BTC")
    return st
