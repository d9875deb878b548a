"""core/contracts.py: the contract presets and a user's own, keys, dated contracts and their
expiries, the contracts file's grammar."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

import hedgexl as hx
from hedgexl import udfs as U

# (key, face USD, expiry UTC, its perpetual): the venues' published faces and hours
DATED = [
    ("BINANCE:BTCUSD_240628", 100, dt.datetime(2024, 6, 28, 8), "BINANCE:BTCUSD_PERP"),
    ("BINANCE:ETHUSD_240329", 10, dt.datetime(2024, 3, 29, 8), "BINANCE:ETHUSD_PERP"),
    ("OKX:BTC-USD-240927", 100, dt.datetime(2024, 9, 27, 8), "OKX:BTC-USD-SWAP"),
    ("OKX:ETH-USD-240628", 10, dt.datetime(2024, 6, 28, 8), "OKX:ETH-USD-SWAP"),
    ("DERIBIT:BTC-28JUN24", 10, dt.datetime(2024, 6, 28, 8), "DERIBIT:BTC-PERPETUAL"),
    ("DERIBIT:ETH-5JAN24", 1, dt.datetime(2024, 1, 5, 8), "DERIBIT:ETH-PERPETUAL"),
    ("KRAKEN:FI_XBTUSD_240628", 1, dt.datetime(2024, 6, 28, 8), "KRAKEN:PI_XBTUSD"),
    ("BITMEX:XBTM24", 1, dt.datetime(2024, 6, 28, 12), "BITMEX:XBTUSD"),  # last Friday
    ("BITMEX:XBTH25", 1, dt.datetime(2025, 3, 28, 12), "BITMEX:XBTUSD"),
]


@pytest.mark.parametrize("key,face,expiry,perp", DATED, ids=[d[0] for d in DATED])
def test_a_dated_key_resolves_to_its_perpetuals_terms_and_its_expiry(key, face, expiry, perp):
    spec, p = hx.get_contract(key), hx.get_contract(perp)
    assert spec.face_usd == face == p.face_usd and spec.type == "inverse"
    assert hx.expiry_of(key) == expiry
    assert (spec.taker_fee, spec.lot, spec.tick) == (p.taker_fee, p.lot, p.tick)
    assert spec.funding_hours != spec.funding_hours  # NaN: no funding
    assert hx.tiers_of(key) is hx.tiers_of(perp)  # its perpetual's margin tiers


def test_a_key_that_names_no_date_or_an_unknown_contract_is_refused():
    with pytest.raises(ValueError, match="'241399' is not a date"):
        hx.get_contract("BINANCE:BTCUSD_241399")
    with pytest.raises(ValueError, match="unknown contract"):
        hx.get_contract("BINANCE:BTCUSD_24062")


def test_an_expired_contract_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"BITMEX:XBTM24 expired on 2024-06-28 12:00 UTC"):
        hx.days_to_expiry("BITMEX:XBTM24", dt.datetime(2024, 6, 28, 12, 1))
    with pytest.raises(ValueError, match="is a perpetual"):
        hx.days_to_expiry("BINANCE:BTCUSD_PERP", dt.date(2024, 1, 1))


def test_the_deribit_term_structure_of_2024_01_08(shared_data):
    """Each expiry's future in the chain, as a key with its expiry; the annualised basis
    (F/S − 1)·365/days computed here by hand equals HEDGE_BASIS with HEDGE_DAYS_TO_EXPIRY's
    days, and the curve is in contango."""
    path = (shared_data / "options" / "eth_2023-12-24_2024-01-08"
            / "deribit_eth_options_2024-01-08.csv")
    futures, index = {}, None
    with path.open() as fh:
        for r in csv.DictReader(fh):
            if not r["underlying_index"].startswith("SYN."):
                futures.setdefault(r["underlying_index"], float(r["underlying_price"]))
                index = float(r["estimated_delivery_price"])
    assert index == 2222.19
    assert {k: futures[k] for k in ("ETH-26JAN24", "ETH-29MAR24", "ETH-28JUN24",
                                    "ETH-27SEP24")} == {
        "ETH-26JAN24": 2241.65, "ETH-29MAR24": 2293.97, "ETH-28JUN24": 2359.87,
        "ETH-27SEP24": 2409.51}
    now = dt.datetime(2024, 1, 8, 11, 19)
    curve = []
    for name, f in futures.items():
        key = f"DERIBIT:{name}"
        day = dt.datetime.strptime(name[4:], "%d%b%y").replace(hour=8)
        assert hx.expiry_of(key) == day
        days = (day - now).total_seconds() / 86400
        annual = (f / index - 1) * 365 / days
        assert U.HEDGE_BASIS(f, index, U.HEDGE_DAYS_TO_EXPIRY(key, "2024-01-08T11:19")) == \
            pytest.approx(annual, rel=1e-12)
        curve.append((days, f))
    prices = [f for _, f in sorted(curve)]
    assert prices == sorted(prices)  # contango: each later expiry higher


def test_keys_the_venues_do_not_list_are_refused_and_one_spelling_kept():
    with pytest.raises(ValueError, match="is a Thursday"):
        hx.get_contract("BINANCE:BTCUSD_240627")
    with pytest.raises(ValueError, match="months 3, 6, 9, 12 only"):
        hx.get_contract("BITMEX:XBTF24")
    assert hx.get_contract("DERIBIT:BTC-05JUL24").key == "DERIBIT:BTC-5JUL24"


def test_offsets_and_odd_times_are_read_right_or_refused():
    assert U.HEDGE_DAYS_TO_EXPIRY("DERIBIT:ETH-26JAN24", "2024-01-08T11:19+02:00") == \
        pytest.approx(18 - 199 / 1440 + 2 / 24)  # 09:19 UTC
    assert U.HEDGE_DAYS_TO_EXPIRY("DERIBIT:ETH-26JAN24", -5) == "#VALUE!"
    assert U.HEDGE_DAYS_TO_EXPIRY("DERIBIT:ETH-26JAN24", "2024-01-26T08:00") == "#VALUE!"


def test_presets_cover_every_contract_in_the_shared_funding_data(shared_data):
    path = shared_data / "funding" / "perpetuals_8h_2023-2024.csv"
    with path.open() as fh:
        perps = {r["contract"] for r in csv.DictReader(fh) if r["type"] != "spot"}
    assert perps and perps <= set(hx.contract_keys())


def test_keys_case_insensitive_and_user_file(tmp_path):
    assert hx.get_contract("okx:btc-usd-swap").face_usd == 100
    f = tmp_path / "mine.csv"
    f.write_text("key,type,face_usd,lot,taker_fee\nMYVENUE:BTCUSD,inverse,25,1,0.001\n"
                 "BINANCE:BTCUSD_PERP,inverse,100,1,0.0004\n")
    assert hx.load_contracts(f) == ["MYVENUE:BTCUSD", "BINANCE:BTCUSD_PERP"]
    assert hx.hedge_contracts(1_000, "myvenue:btcusd") == -40
    assert hx.get_contract("BINANCE:BTCUSD_PERP").taker_fee == 0.0004
    bad = tmp_path / "bad.csv"
    bad.write_text("key,type,face_usd\nX:Y,inverse,abc\n")
    with pytest.raises(ValueError, match=r"bad.csv row 2: face_usd must be a number"):
        hx.load_contracts(bad)


def test_presets_cover_the_issue_list():
    keys = set(hx.contract_keys())
    for k in ["BITMEX:XBTUSD", "BYBIT:BTCUSD", "BYBIT:ETHUSD", "BINANCE:BTCUSD_PERP",
              "BINANCE:ETHUSD_PERP", "OKX:BTC-USD-SWAP", "OKX:ETH-USD-SWAP",
              "DERIBIT:BTC-PERPETUAL", "DERIBIT:ETH-PERPETUAL", "KRAKEN:PI_XBTUSD",
              "BINANCE:BTCUSDT", "BINANCE:ETHUSDT"]:
        assert k in keys
    # face values published by the venues (DOMAIN.md)
    faces = {"BITMEX:XBTUSD": 1, "BYBIT:BTCUSD": 1, "BINANCE:BTCUSD_PERP": 100,
             "BINANCE:ETHUSD_PERP": 10, "OKX:BTC-USD-SWAP": 100, "OKX:ETH-USD-SWAP": 10,
             "DERIBIT:BTC-PERPETUAL": 10, "DERIBIT:ETH-PERPETUAL": 1, "KRAKEN:PI_XBTUSD": 1}
    for k, f in faces.items():
        assert hx.get_contract(k).face_usd == f
    assert hx.get_contract("KRAKEN:PI_XBTUSD").funding_hours == 1
    lin = hx.get_contract("BINANCE:BTCUSDT")
    assert lin.linear and lin.size_coin == 1 and lin.lot == 0.001


def test_a_contract_given_twice_is_refused(tmp_path):
    import hedgexl
    c = tmp_path / "c.csv"
    c.write_text("key,type,face_usd,coin,settle\nMY:BTCUSD,inverse,100,BTC,BTC\n"
                 "my:btcusd,inverse,10,BTC,BTC\n")
    with pytest.raises(ValueError, match="row 3: MY:BTCUSD is also on row 2; give each "
                                         "contract once"):
        hedgexl.load_contracts(c)


def test_a_contracts_file_refuses_a_quote_over_lines(tmp_path):
    import hedgexl
    c = tmp_path / "c.csv"
    c.write_text('key,type,venue,face_usd,coin,settle\nDESK:BTC1,inverse,"desk\n'
                 ',x,10,BTC,BTC\nDESK:BTC2,inverse,d,100,BTC,BTC\n')
    with pytest.raises(ValueError, match=r"row 2: a quote \(\"\) opened in this row runs "
                                         r"over 2 more line\(s\)"):
        hedgexl.load_contracts(c)


@pytest.mark.parametrize("cell", ["1_0", "inf", "nan", "$100"])
def test_a_contracts_or_tiers_file_follows_the_number_grammar(tmp_path, cell):
    import hedgexl
    c = tmp_path / "c.csv"
    c.write_text(f"key,type,face_usd,coin,settle,lot\nMY:BTCUSD,inverse,{cell},BTC,BTC,1\n")
    with pytest.raises(ValueError, match="row 2: face_usd must be a"):
        hedgexl.load_contracts(c)
    t = tmp_path / "t.csv"
    t.write_text("contract,cap,cap_unit,max_leverage,maint_rate,maint_amount\n"
                 f"BINANCE:BTCUSD_PERP,{cell},coin,125,0.004,0\n")
    with pytest.raises(ValueError, match="row 2: cap must be a"):
        hedgexl.load_tiers(t)
