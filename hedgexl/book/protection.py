"""Protection with options beside the futures hedge: for each holding of a coin the chain
lists options on, three ways to protect its hedge ratio until one expiry, valued at that
expiry across price shocks:

- **perpetual**: the short perpetual of the holding's file (no upside; earns or pays funding);
- **put**: a long put, struck by moneyness or by delta (keeps the upside; costs a premium);
- **collar**: the put, and a call sold to pay for it (the call whose premium is nearest the
  put's: a zero-cost collar, or near), which caps the upside and needs margin.

Deribit's options are coin-settled: premiums are paid in the coin, now, and the payoff is
paid in the coin at expiry. Values at expiry are in USD at the expiry price ``S_T``:

- unhedged: ``Q·S_T``;
- perpetual (inverse, q contracts of F USD, entered at the index S): ``Q·S_T + q·F·(S_T/S − 1)``
  (the coin PnL ``q·F·(1/S − 1/S_T)`` valued at ``S_T``); its funding to expiry, when a
  funding history is given, is its carry, shown apart;
- put on ``n`` coins at premium ``P`` (coin): ``(Q − n·P)·S_T + n·max(K − S_T, 0)``: the
  premium is coin the holding no longer has;
- collar, call at ``C`` struck ``Kc``: ``(Q − n·P + n·C)·S_T + n·max(K − S_T, 0)
  − n·max(S_T − Kc, 0)``.

The breakeven of a choice is the expiry price at which it is worth what the holding is worth
today, ``Q·S`` (none for a full futures hedge, which is worth that at every price).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from .. import core
from ..core.contracts import records
from ..inputs import Funding, Holdings
from ..inputs.options import OptionChain
from .carry import TRAILING_DAYS
from .choice import perp_rates

__all__ = ["Choice", "Protected", "ProtectionBook", "protect", "SHOCKS", "option_specs",
           "DEFAULT_DAYS", "DEFAULT_MONEYNESS"]

#: Price moves to expiry the payoffs are shown at: −50 % to +100 % by 10 %.
SHOCKS = tuple(round(-0.5 + 0.1 * i, 10) for i in range(16))
#: Without --expiry: the chain's expiry nearest this many days out (a quarter).
DEFAULT_DAYS = 90
#: Without --put-delta: the put struck nearest this fraction of the future.
DEFAULT_MONEYNESS = 0.9


def option_specs() -> dict[str, dict]:
    """Deribit's option lot and margin figures per coin (``data/option_specs.csv``)."""
    text = resources.files("hedgexl").joinpath("data/option_specs.csv").read_text("utf-8")
    rows = records(text, "option_specs.csv")[1]
    return {r["coin"].strip().upper(): {k: float(r[k]) for k in
                                        ("lot", "im_base", "im_floor", "mm_base")}
            for r in rows}


@dataclass
class Choice:
    """One way to protect one holding."""

    name: str  # "perpetual", "put" or "collar"
    legs: list[str]  # "buy 12.5 BTC-27MAR26-85000-P", ...
    cost_coin: float  # paid today, coin (− a credit); the perpetual: 0
    cost_usd: float
    margin_coin: float  # initial margin of the short call (collar), coin; else 0
    carry_usd: float  # the perpetual's funding to expiry (+ received); NaN when unknown
    values: np.ndarray  # USD at expiry, per shock
    breakeven: list[float]  # expiry prices worth today's value


@dataclass
class Protected:
    """One holding's three choices."""

    asset: str
    quantity: float
    price: float  # the index at the snapshot, USD
    covered: float  # coins protected: the hedge ratio, in whole option lots
    forward: float  # the expiry's future, USD
    unhedged: np.ndarray  # USD at expiry, per shock
    choices: list[Choice]
    options: list[dict]  # the options used: instrument, kind, strike, mark, iv


@dataclass
class ProtectionBook:
    chain: OptionChain
    expiry: dt.datetime
    years: float
    shocks: tuple
    holdings: list[Protected]
    notes: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, np.ndarray]:
        """The book's USD value at expiry per shock: unhedged and each choice."""
        out = {"unhedged": sum(p.unhedged for p in self.holdings)}
        for i, c in enumerate(self.holdings[0].choices if self.holdings else []):
            out[c.name] = sum(p.choices[i].values for p in self.holdings)
        return out


def protect(h: Holdings, chain: OptionChain, *, expiry=None, moneyness=DEFAULT_MONEYNESS,
            put_delta=None, funding: dict[str, Funding] | None = None,
            shocks=SHOCKS) -> ProtectionBook:
    """Size a put and a collar for each holding the chain has options on, beside its
    perpetual hedge, to one expiry (``expiry``: a date, a Deribit code such as 27MAR26, or
    None: the one nearest 90 days out)."""
    specs, notes = option_specs(), []
    coins = sorted(set(chain.coin))
    missing = [c for c in coins if c not in specs]
    if missing:
        raise ValueError(f"{chain.path.name}: hedgexl has no option terms for "
                         f"{', '.join(missing)} (lot and margin: data/option_specs.csv lists "
                         f"{', '.join(specs)}); Deribit's coin-settled options are BTC's and "
                         f"ETH's")
    wanted = [a.strip().upper() for a in h.asset if a.strip().upper() in coins]
    when = _expiry(chain, sorted(set(wanted)) or coins, expiry)
    years = (when - chain.time).total_seconds() / 86400 / 365
    out = []
    for i, asset in enumerate(h.asset):
        coin = asset.strip().upper()
        if coin not in coins:
            notes.append(f"{asset}: the chain ({chain.path.name}) has no {coin} options; "
                         f"left out")
            continue
        p = _holding(h, i, coin, chain, when, years, moneyness, put_delta, specs[coin],
                     funding, np.asarray(shocks), notes)
        if p is not None:
            out.append(p)
    if not out:
        raise ValueError(f"no holding can be protected with {chain.path.name}: "
                         + "; ".join(notes))
    return ProtectionBook(chain, when, years, tuple(shocks), out, notes)


def _code(e: dt.datetime) -> str:
    return f"{e.day}{e:%b%y}".upper()


def _expiry(chain: OptionChain, coins, wanted) -> dt.datetime:
    """The expiry asked for (a date or Deribit's 27MAR26), else the one nearest a quarter
    out, among those the chain lists for every coin protected (one expiry for the book:
    its values at expiry add up); refused when there is none."""
    listed = sorted(set.intersection(*(set(chain.expiries(c)) for c in coins)))
    if not listed:
        raise ValueError(f"{chain.path.name}: no expiry is listed for all of "
                         f"{', '.join(coins)}; protect them from separate chains")
    if wanted is None:
        target = chain.time + dt.timedelta(days=DEFAULT_DAYS)
        return min(listed, key=lambda e: abs(e - target))
    text = str(wanted).strip().upper()
    for e in listed:
        if text in (e.date().isoformat(), _code(e)):
            return e
    raise ValueError(f"--expiry {wanted}: the chain lists {', '.join(map(_code, listed))}")


def _holding(h, i, coin, chain, when, years, moneyness, put_delta, spec, funding, shocks,
             notes) -> Protected | None:
    S = float(chain.index[coin])
    q, ratio = float(h.quantity[i]), float(h.hedge_ratio[i])
    if not abs(h.price[i] / S - 1) < 0.05:
        notes.append(f"{h.asset[i]}: valued at the chain's index {S:,.2f} USD (the holdings "
                     f"file says {h.price[i]:,.2f})")
    covered = _covered(h.asset[i], q, ratio, spec["lot"], coin, notes)
    if covered is None:
        return None
    rows = [j for j, (c, e) in enumerate(zip(chain.coin, chain.expiry)) if c == coin
            and e == when]
    put = _pick_put(chain, rows, years, moneyness, put_delta)
    call = _pick_call(chain, rows, put)
    ST = S * (1.0 + shocks)
    choices = [_perpetual(h, i, coin, q, S, ST, years, funding, chain.time, notes),
               _put(chain, put, covered, q, S, ST),
               _collar(chain, put, call, covered, q, S, ST, spec, notes)]
    used = [_option_row(chain, j, years) for j in (put, call)]
    return Protected(h.asset[i], q, S, covered, float(chain.forward[put]), q * ST, choices,
                     used)


def _covered(asset, q, ratio, lot, coin, notes) -> float | None:
    """The coins protected: the hedge ratio of the holding in whole lots; None (and a
    note) when there is nothing to protect with puts."""
    if q <= 0:
        notes.append(f"{asset}: a holding of {q:g} {coin} is not long: puts protect coins "
                     f"held; left out")
        return None
    covered = math.floor(ratio * q / lot + 1e-9) * lot
    if covered < lot:
        notes.append(f"{asset}: {ratio * q:g} {coin} to protect (hedge ratio "
                     f"{ratio:.0%}) is under one option lot ({lot:g} {coin}); left out")
        return None
    if covered > q:
        notes.append(f"{asset}: a hedge ratio of {ratio:.0%} protects {covered:g} {coin}, "
                     f"more than the {q:g} held")
    return covered


def _iv(chain: OptionChain, j: int, years: float) -> float:
    """The option's mark IV, or the volatility its mark implies (NaN when none fits)."""
    if chain.iv[j] == chain.iv[j]:
        return float(chain.iv[j])
    try:
        return core.implied_vol(chain.kind[j], chain.forward[j], chain.strike[j], years,
                                chain.mark[j])
    except ValueError:
        return math.nan


def _pick_put(chain, rows, years, moneyness, put_delta) -> int:
    """The put struck nearest ``moneyness`` × F, or whose Black delta is nearest
    ``put_delta``; among puts with a mark above 0."""
    puts = [j for j in rows if chain.kind[j] == "put" and chain.mark[j] > 0]
    if not puts:
        raise ValueError(f"{chain.path.name}: no put with a mark at that expiry")
    if put_delta is None:
        return min(puts, key=lambda j: abs(chain.strike[j] - moneyness * chain.forward[j]))

    def delta(j):
        iv = _iv(chain, j, years)
        return core.option_greeks("put", chain.forward[j], chain.strike[j], years, iv,
                                  unit="usd")["delta"] if iv == iv else math.inf
    return min(puts, key=lambda j: abs(delta(j) - put_delta))


def _pick_call(chain, rows, put: int) -> int:
    """The call at or above the future, and above the put's strike, whose premium is
    nearest the put's (a collar at zero cost, or near)."""
    floor = max(chain.forward[put], chain.strike[put])
    calls = [j for j in rows if chain.kind[j] == "call" and chain.strike[j] >= floor
             and chain.strike[j] > chain.strike[put] and chain.mark[j] > 0]
    if not calls:
        raise ValueError(f"{chain.path.name}: no call above the future and the put's "
                         f"strike with a mark at that expiry, for the collar")
    return min(calls, key=lambda j: (abs(chain.mark[j] - chain.mark[put]), chain.strike[j]))


def _breakeven(value, S, today) -> list[float]:
    """Expiry prices from 1 % to 300 % of ``S`` where ``value`` (piecewise linear in S_T)
    crosses ``today``."""
    ST = S * np.linspace(0.01, 3.0, 3000)
    d = np.asarray(value(ST)) - today
    d[np.abs(d) <= 1e-9 * abs(today)] = 0.0  # flat to rounding: a full hedge
    if not d.any():
        return []
    out = []
    for a in range(len(d) - 1):
        if d[a] == 0 and (a == 0 or d[a - 1] != 0):
            out.append(float(ST[a]))
        elif d[a] * d[a + 1] < 0:
            out.append(float(ST[a] - d[a] * (ST[a + 1] - ST[a]) / (d[a + 1] - d[a])))
    return out


def _own_perpetual(h, i, coin, when, notes):
    """The perpetual in the holding's own coin: its file's contract when it is one; the
    dated future's perpetual, or the venue's own-coin perpetual, with a note, when not."""
    spec = core.get_contract(h.contract[i])
    expiry = core.expiry_of(spec)
    if expiry is not None and expiry <= when:
        raise ValueError(f"{h.asset[i]}: its contract {spec.key} settled on "
                         f"{expiry:%Y-%m-%d %H:%M} UTC, before the chain's time")
    own = spec if spec.coin and spec.coin.upper() == coin and not spec.expiry else None
    if own is None:
        own = core.get_contract(spec.like) if spec.expiry and spec.like else \
            core.own_contract(coin, spec.venue or None)
        if own is None or (own.coin or "").upper() != coin:
            raise ValueError(f"{h.asset[i]}: hedgexl knows no {coin} perpetual to compare "
                             f"with its options ({spec.key} is not one)")
        notes.append(f"{h.asset[i]}: the perpetual compared is {own.key}, in the holding's "
                     f"own coin ({spec.key}, its file's contract, is not a {coin} "
                     f"perpetual)")
    return own


def _perpetual(h, i, coin, q, S, ST, years, funding, when, notes) -> Choice:
    spec = _own_perpetual(h, i, coin, when, notes)
    beta = float(h.beta[i]) if spec.key == core.get_contract(h.contract[i]).key else 1.0
    cover = h.hedge_ratio[i] * beta * q  # coins, beta-weighted as the hedge sizes them
    n = round(-cover * S / spec.multiplier) if not spec.linear else \
        round(-cover / spec.multiplier / spec.lot) * spec.lot

    def value(x):
        move = n * spec.multiplier * (x - S) if spec.linear else \
            n * spec.multiplier * (x / S - 1.0)
        return q * x + move
    carry = _carry(spec, n, S, years, (funding or {}).get(spec.key), when, notes)
    return Choice("perpetual", [f"{'short' if n < 0 else 'long'} {abs(n):,.6g} {spec.key}"],
                  0.0, 0.0, 0.0, carry, value(ST), _breakeven(value, S, q * S))


def _carry(spec, n, S, years, f, when, notes) -> float:
    """The perpetual's funding to expiry at its trailing 30-day average rate (a short
    receives a positive rate), on its notional at the index; NaN, and a note, without a
    funding history that reaches the chain's time (within a day)."""
    if f is not None:
        from .choice import fixing_times
        t = fixing_times(f)
        fresh = t[t <= np.datetime64(when, "s")]
        if fresh.size and np.datetime64(when, "s") - fresh[-1] <= np.timedelta64(1, "D"):
            rates = perp_rates(spec.key, f, when)
            days = (np.datetime64(when, "s") - fresh[0]) / np.timedelta64(1, "D")
            if days < TRAILING_DAYS - 1:
                notes.append(f"{spec.key}: its funding history starts {days:.1f} days "
                             f"before the chain: the carry's average covers those days, not "
                             f"{TRAILING_DAYS}")
            notional = spec.multiplier * (S if spec.linear else 1.0)
            return float(-n * notional * rates[1] * years)
        notes.append(f"{spec.key}: the funding given does not reach the chain's time "
                     f"({when:%Y-%m-%d %H:%M} UTC); the perpetual's carry is not shown")
        return math.nan
    said = "the perpetual's carry (its funding to expiry) is not included"
    if not any(said in x for x in notes):
        notes.append(f"{said}: give --funding with the contracts' recent funding")
    return math.nan


def _put(chain, j, n, q, S, ST) -> Choice:
    P, K = float(chain.mark[j]), float(chain.strike[j])

    def value(x):
        return (q - n * P) * x + n * core.option_payoff("put", K, x)
    return Choice("put", [f"buy {n:g} {chain.instrument[j]}"], n * P, n * P * S, 0.0,
                  math.nan, value(ST), _breakeven(value, S, q * S))


def _collar(chain, p, c, n, q, S, ST, spec, notes) -> Choice:
    P, K = float(chain.mark[p]), float(chain.strike[p])
    C, Kc = float(chain.mark[c]), float(chain.strike[c])
    if C < 0.5 * P:
        notes.append(f"{chain.instrument[c]}: the richest call above the future and the "
                     f"put pays {C / P:.0%} of the put: the collar is far from zero cost")

    def value(x):
        return (q - n * P + n * C) * x + n * core.option_payoff("put", K, x) \
            - n * core.option_payoff("call", Kc, x)
    m = core.short_option_margin("call", chain.forward[c], Kc, C, spec["im_base"],
                                 spec["im_floor"], spec["mm_base"])
    return Choice("collar", [f"buy {n:g} {chain.instrument[p]}",
                             f"sell {n:g} {chain.instrument[c]}"],
                  n * (P - C), n * (P - C) * S, n * m["initial"], math.nan, value(ST),
                  _breakeven(value, S, q * S))


def _option_row(chain: OptionChain, j: int, years: float) -> dict:
    return {"instrument": chain.instrument[j], "kind": chain.kind[j],
            "strike": float(chain.strike[j]), "forward": float(chain.forward[j]),
            "mark": float(chain.mark[j]), "iv": _iv(chain, j, years),
            "iv_given": chain.iv[j] == chain.iv[j]}
