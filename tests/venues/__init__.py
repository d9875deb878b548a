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


#: The contracts the stand-ins list, by venue id.
SPECS = {
    "BTCUSD_PERP": Spec("BTCUSD_PERP", "BTC", "USD", "BTC", 100, 0.1, 1),
    "ETHUSD_PERP": Spec("ETHUSD_PERP", "ETH", "USD", "ETH", 10, 0.01, 1),
    "BTCUSDT": Spec("BTCUSDT", "BTC", "USDT", "USDT", 1, 0.1, 0.001, inverse=False),
    "ETHUSDT": Spec("ETHUSDT", "ETH", "USDT", "USDT", 1, 0.01, 0.001, inverse=False),
    "ETHUSDT@spot": Spec("ETHUSDT@spot", "ETH", "USDT", "USDT", 1, 0.01, 0.0001,
                         inverse=False),
    "BTCUSDT@spot": Spec("BTCUSDT@spot", "BTC", "USDT", "USDT", 1, 0.01, 0.00001,
                         inverse=False),
}


def desk_state() -> State:
    """The venues as the bundled desk data saw them in the first half of 2024."""
    st = State(specs=dict(SPECS))
    for c in ("BTCUSD_PERP", "ETHUSD_PERP"):
        st.funding[c] = bundled_funding(f"BINANCE:{c}")
    for c in ("BTC", "ETH"):  # the USDS-M swaps: the COIN-M rates, for a funding answer
        st.funding[f"{c}USDT"] = bundled_funding(f"BINANCE:{c}USD_PERP")
    for c in st.specs:
        st.tiers[c.split("@")[0]] = [
            {"bracket": 1, "initialLeverage": 125, "qtyCap": 5, "qtyFloor": 0,
             "maintMarginRatio": 0.004, "cum": 0.0}]
    st.closes["ETHUSDT"] = bundled_closes("ETH")
    st.closes["BTCUSDT"] = bundled_closes("BTC")
    return st
