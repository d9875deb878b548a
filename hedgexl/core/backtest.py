"""What a hedge would have done: a holding and its futures hedge stepped through a price
history, vectorised over lanes (policies × holdings).

The recurrence, one step ``t`` at a time (``q`` contracts held, ``F`` face in USD, ``H`` the
hedge coin's price, ``X`` the settlement currency's price in USD: ``H`` for an inverse
contract, 1 for a linear one):

1. the position held over the step earns its PnL, ``q·F·(1/H[t−1] − 1/H[t])`` coin (inverse)
   or ``q·c·(H[t] − H[t−1])`` USD (linear), and its funding, ``−q·F/H[t]·r[t]`` coin or
   ``−q·c·H[t]·r[t]`` USD (a positive rate: longs pay shorts);
2. the margin account takes both; the step is flagged *liquidated* when the account is below
   the maintenance margin ``m·|q|·F/H[t]`` (at the step's price: a spike inside the step is not
   seen);
3. on a rebalance step, when the hedge has drifted more than the band from its target
   ``round(−h·β·S·P[t]/F)`` (linear: ``/(H[t]·c)``), the position is brought to the target and
   pays the taker fee ``|Δq|·F/H[t]·φ``; the margin account is then reset to the initial margin
   ``|q|·F/(H[t]·L)`` (deposit or withdrawal);
   For a hedge in the holding's own coin the target also covers the coin the hedge has
   gained or lost so far, ``E``: ``−h·(S + E)·β·P[t]/F``, since those coins are now held too.
   A hedge sized on the holding alone drifts with its own coin PnL: after a rally, the
   short's coin losses leave it hedging coins the desk no longer has. A cross-hedge's
   target is ``−h·β·S·P[t]/F``; the coin in its margin account is exposure it leaves open
   (at 1x that coin cancels the short: the hedge does nothing);
4. the hedged value is ``S·P[t] + E·X[t]``, ``E`` the coin gained so far (PnL + funding − fees);
   for a cross-hedge (the contract's coin is not the holding's), the margin is coin bought
   at each step's price, so it also adds ``D·X[t] − Σ d·X``, ``D`` the coin deposited and
   ``Σ d·X`` what it cost. A hedge in the holding's own coin posts its margin from the holding.

The settlement coin's amounts are valued at each step's price, as the inverse contract pays
them; nothing is converted to USD along the way.

A dated future trades at its own price ``G`` (the index plus its basis) and pays no funding:
its PnL, fees and margin are at ``G`` (``1/G`` in place of ``1/H`` above) while its coin is
still worth ``H``. Held to expiry, where ``G`` has converged to the index, a short's coin PnL
is ``q·F·(1/G[0] − 1/H[T])``: what a position at the index would earn, plus the basis it
locked in, ``q·F·(1/G[0] − 1/H[0])``. A roll closes the expiring contract at its price and
opens the next at its own; both legs pay the fee.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .contracts import get_contract
from .pnl import no_funding
from .sizing import round_lots
from .validate import num

__all__ = ["Backtest", "hedge_backtest", "rebalance_schedule", "backtest_stats", "drawdowns",
           "BACKTEST_COLUMNS", "STATS"]

#: The per-step columns of :class:`Backtest`, in the order the daily table shows them.
BACKTEST_COLUMNS = ("spot_price", "hedge_price", "contracts", "traded", "pnl", "funding",
                    "fees", "margin", "liquidated", "unhedged", "hedged")


@dataclass
class Backtest:
    """Per-step results, each of shape ``(T,) + lanes``. Coin amounts are in the contract's
    settlement currency (the coin for inverse contracts, USD(T) for linear ones)."""

    spot_price: np.ndarray  # P, USD per coin of the holding
    hedge_price: np.ndarray  # H, USD per coin of the contract
    contracts: np.ndarray  # q after the step's trade (signed)
    traded: np.ndarray  # Δq traded at the step
    pnl: np.ndarray  # futures PnL over the step, settlement currency
    funding: np.ndarray  # funding over the step, + received, settlement currency
    fees: np.ndarray  # taker fees paid at the step (≥ 0), settlement currency
    margin: np.ndarray  # margin account after the step, settlement currency
    deposits: np.ndarray  # margin moved into the account at the step (− a withdrawal)
    liquidated: np.ndarray  # bool: below maintenance margin at the step's price
    unhedged: np.ndarray  # S·P, USD
    hedged: np.ndarray  # S·P plus the futures leg, USD
    settle_usd: np.ndarray  # X: USD per unit of the settlement currency
    funding_in: np.ndarray | None = None  # funding received over the step, gross (≥ 0)
    funding_out: np.ndarray | None = None  # funding paid over the step, gross (≤ 0)
    rolled: np.ndarray | None = None  # bool: a dated hedge rolled at the step (2 trades)

    def trades(self) -> np.ndarray:
        """Per step, whether the hedge traded: a change of position, or a roll (which
        may leave the position's size as it was)."""
        moved = self.traded != 0
        return moved if self.rolled is None else moved | self.rolled

    @property
    def hedge_usd(self) -> np.ndarray:
        """The futures leg's value in USD (hedged − unhedged)."""
        return self.hedged - self.unhedged


def rebalance_schedule(times, rule="daily"):
    """Which steps are rebalance steps: the first step of each UTC day, ISO week or month.

    Parameters
    ----------
    times : array_like of datetime64 or ISO strings
        The steps' times, increasing.
    rule : {"daily", "weekly", "monthly", "every"}
        ``every`` is every step. The first step is always a rebalance step (the hedge opens).

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> rebalance_schedule(["2024-01-05", "2024-01-06", "2024-01-08", "2024-02-01"],
    ...                    "weekly").tolist()
    [True, False, True, True]
    """
    t = np.asarray(times, dtype="datetime64[s]")
    r = str(rule).strip().lower()
    days = t.astype("datetime64[D]").astype(np.int64)
    if r == "every":
        key = np.arange(t.size)
    elif r == "daily":
        key = days
    elif r == "weekly":
        key = (days + 3) // 7  # 1970-01-01 was a Thursday: weeks start on Monday
    elif r == "monthly":
        key = t.astype("datetime64[M]").astype(np.int64)
    else:
        raise ValueError(f"rebalance must be daily, weekly, monthly or every, got {rule!r}")
    mask = np.ones(t.size, bool)
    mask[1:] = key[1:] != key[:-1]
    return mask


def hedge_backtest(spot_qty, spot_prices, contract, hedge_ratio=1.0, beta=1.0,
                   hedge_prices=None, funding_rates=0.0, rebalance=None, band=0.0,
                   leverage=1.0, fee_rate=None, maint_rate=None, start_contracts=0.0,
                   cross=None, rounding="nearest", keep=None, negative_rates=None,
                   futures_prices=None, roll_prices=None):
    """Step a hedged holding through a price history (see the module for the recurrence).

    Parameters
    ----------
    spot_qty : array_like
        Coins held S, per lane.
    spot_prices : array_like
        P, USD per coin of the holding, shape ``(T,)`` or ``(T, lanes)``, > 0.
    contract : number, str or ContractSpec
        The hedge contract: an inverse face value in USD or a preset key. Its lot, taker fee
        and maintenance rate are used unless given.
    hedge_ratio, beta : array_like
        h and β per lane.
    hedge_prices : array_like, optional
        H, USD per coin of the contract, shaped like ``spot_prices``; default ``spot_prices``
        (a hedge in the holding's own coin).
    funding_rates : array_like
        Funding rate r over each step, as a fraction of the position's value at ``H[t]``
        (the sum of the step's rates when it holds several fundings); row 0 is not used.
    negative_rates : array_like, optional
        The part of ``funding_rates`` that comes from the step's negative fixings (≤ 0; the
        rest from its positive ones). Given, ``funding_in`` and ``funding_out`` are the
        gross funding received and paid, fixing by fixing; without it, each step's net.
    rebalance : array_like of bool, optional
        Steps on which the hedge may trade (see :func:`rebalance_schedule`); default every.
    band : array_like
        Per lane: trade only when |q − target| > band·|target| (0: whenever off target).
    leverage : array_like
        L per lane: the margin posted at each trade is the initial margin |q|·F/(H·L).
    fee_rate, maint_rate : float, optional
        Taker fee φ and maintenance rate m; default the contract's.
    start_contracts : array_like
        Contracts already held before step 0.
    cross : bool, optional
        The margin is coin bought at each step's price (a cross-hedge); default True when
        ``hedge_prices`` is given for an inverse contract.
    rounding : {"nearest", "down", "up"}
        How a target is rounded to the lot.
    keep : iterable of str, optional
        The per-step columns to keep (of :data:`BACKTEST_COLUMNS`, and ``deposits``);
        default all. The others come back as None: a grid of many lanes keeps ``hedged``
        and ``unhedged`` alone and needs a tenth of the memory.
    futures_prices : array_like, optional
        G, USD per coin: the price of the contract itself at each step (a dated future's,
        above or below the index by its basis), for its PnL ``q·F·(1/G[t−1] − 1/G[t])``,
        its fees and its margin; default ``hedge_prices`` (a perpetual, at the index). The
        coin it pays is still valued at H. Inverse contracts only.
    roll_prices : array_like, optional
        Where finite, step t is a roll: the contract held over the step is closed at this
        price (its PnL to t is at it) and the next one opened at ``futures_prices[t]``;
        both legs pay the taker fee and the trade is made whatever ``rebalance`` and
        ``band`` say. NaN elsewhere.

    Returns
    -------
    Backtest

    Examples
    --------
    One BTC fully hedged on 100 USD contracts: the price halves, the short gains one BTC,
    the value stays, and the two BTC now held are still covered by the 500 contracts.

    >>> bt = hedge_backtest(1.0, [50_000, 25_000], 100, fee_rate=0, maint_rate=0)
    >>> bt.contracts.tolist(), bt.hedged.tolist()
    ([-500.0, -500.0], [50000.0, 50000.0])
    """
    spec = get_contract(contract)
    P, H, r, rn, reb = _series(spot_prices, hedge_prices, funding_rates, negative_rates,
                               rebalance)
    if spec.expiry and np.any(r != 0):
        no_funding(spec)
    G, R = _futures(spec, H, futures_prices, roll_prices)
    lane = dict(S=num(spot_qty, "spot_qty"), h=num(hedge_ratio, "hedge_ratio"),
                b=num(beta, "beta"), band=num(band, "band", nonneg=True),
                lev=num(leverage, "leverage", positive=True),
                q0=num(start_contracts, "start_contracts"))
    phi, mm = _rates(spec, fee_rate, maint_rate)
    lanes = np.broadcast_shapes(*(x.shape[1:] for x in (P, H, r, reb, G, R)),
                                *(np.shape(v) for v in lane.values()))
    shape = (P.shape[0],) + lanes
    P, H, r, reb, G, R = (_over_lanes(x, shape) for x in (P, H, r, reb, G, R))
    rn = None if rn is None else _over_lanes(rn, shape)
    if cross is None:
        cross = hedge_prices is not None and not spec.linear
    X = H if not spec.linear else np.broadcast_to(1.0, shape)
    out = _columns(keep, shape)
    run = _Run(spec, lanes, lane, phi, mm, rounding, cross, out)
    for t in range(shape[0]):
        run.step(t, P[t], H[t], r[t], None if rn is None else rn[t], reb[t], X[t], G[t],
                 R[t])
    bt = _result(out, keep, lambda: np.broadcast_to(lane["S"], lanes) * P, P, H, X)
    if np.isfinite(R).any():
        bt.rolled = np.isfinite(R)
    return bt


def _futures(spec, H, futures_prices, roll_prices):
    """G (the contract's own price) and R (the closing price at a roll, NaN elsewhere),
    checked: one row per step, positive, inverse contracts only."""
    if futures_prices is None and roll_prices is None:
        return H, np.full(H.shape[:1], np.nan)
    if spec.linear:
        raise ValueError(f"{spec.key}: futures_prices and roll_prices are for inverse "
                         f"contracts (a linear contract's PnL is in its settlement coin)")
    G = H if futures_prices is None else num(futures_prices, "futures_prices", positive=True)
    R = np.full(G.shape[:1], np.nan) if roll_prices is None else \
        num(roll_prices, "roll_prices", allow_nan=True)
    for name, x in (("futures_prices", G), ("roll_prices", R)):
        if x.ndim < 1 or x.shape[0] != H.shape[0]:
            raise ValueError(f"arrays of mismatched length: spot_prices has {H.shape[0]} "
                             f"rows, {name} has {x.shape[0] if x.ndim else 1}")
    if np.any(R <= 0):
        raise ValueError("roll_prices must be > 0 where given (NaN: no roll)")
    if np.any(np.isfinite(R[:1])):
        raise ValueError("roll_prices: step 0 cannot be a roll (nothing is held before it)")
    return G, R


def _rates(spec, fee_rate, maint_rate):
    """The taker fee and maintenance rate: given, else the contract's (0 where unknown)."""
    phi = num(spec.taker_fee if fee_rate is None else fee_rate, "fee_rate", allow_nan=True)
    mm = num(spec.maint_margin if maint_rate is None else maint_rate, "maint_rate",
             allow_nan=True)
    return np.nan_to_num(phi), np.nan_to_num(mm)


def _result(out, keep, holding, P, H, X) -> Backtest:
    """The Backtest of the columns kept; ``hedged`` includes the holding's own value
    (``holding()``, made only when needed: a large grid keeps little)."""
    keep = set(_COLUMNS if keep is None else keep)
    unhedged = holding() if "unhedged" in keep or "hedged" in out else None
    if "hedged" in out:
        out["hedged"] += unhedged
    full = {n: out.get(n) for n in _COLUMNS if n != "unhedged"}
    return Backtest(spot_price=P, hedge_price=H, settle_usd=X,
                    unhedged=unhedged if "unhedged" in keep else None, **full)


_COLUMNS = ("contracts", "traded", "pnl", "funding", "funding_in", "funding_out", "fees",
            "margin", "deposits", "liquidated", "hedged", "unhedged")


def _series(spot_prices, hedge_prices, funding_rates, negative_rates, rebalance):
    """The time series, checked: one row per step each."""
    P = num(spot_prices, "spot_prices", positive=True)
    if P.ndim < 1 or P.shape[0] < 1:
        raise ValueError("spot_prices must be a column of prices (one row per step)")
    T = P.shape[0]
    H = P if hedge_prices is None else num(hedge_prices, "hedge_prices", positive=True)
    r = np.nan_to_num(num(funding_rates, "funding_rates", allow_nan=True), nan=0.0)
    reb = np.ones(T, bool) if rebalance is None else np.asarray(rebalance, bool)
    for name, x in (("hedge_prices", H), ("funding_rates", r), ("rebalance", reb)):
        if x.ndim and x.shape[0] != T:
            raise ValueError(f"arrays of mismatched length: spot_prices has {T} rows, "
                             f"{name} has {x.shape[0]} rows")
    rn = None
    if negative_rates is not None:
        rn = np.nan_to_num(num(negative_rates, "negative_rates", allow_nan=True), nan=0.0)
        if rn.shape != r.shape or (rn > 0).any():
            raise ValueError("negative_rates must be the funding_rates' negative part (<= 0, "
                             "the same shape)")
    return P, H, r, rn, reb


def _over_lanes(x, shape):
    """A series (T,) or (T, lanes) broadcast to ``shape``."""
    x = np.asarray(x)
    return np.broadcast_to(x.reshape(x.shape + (1,) * (len(shape) - x.ndim)), shape)


def _columns(keep, shape) -> dict:
    """The per-step columns kept (all by default), zeroed."""
    keep = set(_COLUMNS if keep is None else keep)
    if keep - set(_COLUMNS):
        raise ValueError(f"keep: unknown columns {sorted(keep - set(_COLUMNS))}")
    return {n: (np.zeros(shape, bool) if n == "liquidated" else np.zeros(shape))
            for n in _COLUMNS if n in keep and n != "unhedged"}


class _Run:
    """The state of every lane as the history is stepped (see the module's recurrence):
    q contracts, E coin gained (PnL + funding − fees), m the margin account, D the coin
    deposited into it and ``cost`` the USD those deposits cost (cross-hedges)."""

    def __init__(self, spec, lanes, lane, phi, mm, rounding, cross, out):
        self.linear, self.k, self.lot = spec.linear, spec.multiplier, spec.lot
        # the target is coef·P[t] (linear: /H[t]; own coin: less h·β·E·H[t]/F)
        self.coef = np.broadcast_to(-(lane["h"] * lane["b"] * lane["S"]) / self.k, lanes)
        self.hkb = np.broadcast_to(lane["h"] * lane["b"] / self.k, lanes)
        self.band = np.broadcast_to(lane["band"], lanes)
        self.lev = np.broadcast_to(lane["lev"], lanes)
        self.phi, self.kmm, self.rounding, self.cross, self.out = \
            phi, self.k * mm, rounding, cross, out
        self.q = np.broadcast_to(lane["q0"], lanes).astype(float).copy()
        self.E, self.m, self.D, self.cost = (np.zeros(lanes) for _ in range(4))
        self.u_prev = None  # the previous step's coin per USD (inverse)

    def step(self, t, P, H, r, rn, reb, X, G, R):
        """Step t: G the contract's own price (H for a perpetual), R the expiring
        contract's closing price where the step rolls (NaN elsewhere)."""
        u = H if self.linear else 1.0 / G  # USD per coin, or coin per USD of face
        roll = np.isfinite(R)
        u_close = np.where(roll, 1.0 / np.where(roll, R, 1.0), u) if roll.any() else u
        if t:
            self._accrue(t, H, u_close, r, rn)
        else:  # the margin of the position held before the start
            self.m = np.abs(self.q) * self.k * u / self.lev
            self.D = self.m.copy()
            self.cost = self.D * X
            if "deposits" in self.out:
                self.out["deposits"][0] = self.m
        self._trade(t, P, H, u, reb, X, roll, u_close)
        self.H_prev, self.u_prev = H, u

    def _accrue(self, t, H, u, r, rn):
        """PnL and funding over step t, into the coin gained and the margin account."""
        q, k, out = self.q, self.k, self.out
        pnl = q * k * (H - self.H_prev) if self.linear else q * k * (self.u_prev - u)
        fund = -q * k * u * r
        self.E += pnl + fund
        self.m += pnl + fund
        if "liquidated" in out:
            out["liquidated"][t] = (q != 0) & (self.m < self.kmm * np.abs(q) * u)
        for name, x in (("pnl", pnl), ("funding", fund)):
            if name in out:
                out[name][t] = x
        parts = (fund,) if rn is None else (-q * k * u * (r - rn), -q * k * u * rn)
        for name, side in (("funding_in", np.maximum), ("funding_out", np.minimum)):
            if name in out:
                out[name][t] = sum(side(x, 0.0) for x in parts)

    def _trade(self, t, P, H, u, reb, X, roll, u_close):
        """Back to the target where the rule lets the lane trade; the margin reset at a
        trade. A roll closes the whole position at ``u_close`` and opens the target at
        ``u``: both legs pay the fee."""
        if self.linear:
            raw = self.coef * P / H
        elif self.cross:
            raw = self.coef * P
        else:  # the coin the hedge has gained is held too (see the module)
            raw = self.coef * P - self.hkb * self.E * H
        lot = self.lot
        target = round_lots(raw / lot, self.rounding) * lot if lot != 1.0 else \
            round_lots(raw, self.rounding)
        dq = target - self.q
        move = (reb & (np.abs(dq) > self.band * np.abs(target))) | roll
        dq *= move
        fee = np.abs(dq) * (self.k * self.phi) * u
        if np.any(roll):  # closed at the old contract's price, opened at the new one's
            fee = np.where(roll, (np.abs(self.q) * u_close + np.abs(target) * u)
                           * (self.k * self.phi), fee)
        self.q = self.q + dq
        self.E -= fee
        dep = (np.abs(self.q) * self.k * u / self.lev - (self.m - fee)) * move
        self.m = self.m - fee + dep
        self.D += dep
        self.cost += dep * X
        self._store(t, dq, fee, dep, X)

    def _store(self, t, dq, fee, dep, X):
        out = self.out
        for name, x in (("contracts", self.q), ("traded", dq), ("fees", fee),
                        ("margin", self.m)):
            if name in out:
                out[name][t] = x
        if "deposits" in out:
            out["deposits"][t] += dep
        if "hedged" in out:
            out["hedged"][t] = self.E * X + (self.D * X - self.cost if self.cross else 0.0)


#: The statistics of :func:`backtest_stats`, with their labels.
STATS = {
    "start_usd": "Value at start (USD)",
    "end_unhedged_usd": "Unhedged value at end (USD)",
    "end_hedged_usd": "Hedged value at end (USD)",
    "vol_unhedged": "Volatility of returns, unhedged (a year)",
    "vol_hedged": "Volatility of returns, hedged (a year)",
    "variance_reduction": "Variance reduction",
    "drawdown_unhedged": "Maximum drawdown, unhedged",
    "drawdown_hedged": "Maximum drawdown, hedged",
    "funding_received_usd": "Funding received (USD)",
    "funding_paid_usd": "Funding paid (USD)",
    "fees_usd": "Fees (USD)",
    "trades": "Trades",
    "effectiveness": "Hedge effectiveness (R² of hedge on spot changes)",
    "dollar_offset": "Dollar offset (−hedge gain / spot gain)",
    "liquidation_steps": "Steps below maintenance margin",
}


def drawdowns(values) -> np.ndarray:
    """Fall from the running peak at each step, as a fraction of the peak (≥ 0).

    >>> drawdowns([100, 120, 90, 130]).tolist()
    [0.0, 0.0, 0.25, 0.0]
    """
    v = np.asarray(values, dtype=float)
    peak = np.maximum.accumulate(v, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, 1.0 - v / peak, 0.0)


def backtest_stats(bt: Backtest, steps_per_year=365.0) -> dict:
    """Summary statistics of a :class:`Backtest`, one value per lane (see :data:`STATS`).

    Volatility is the standard deviation of the step returns of the value, times
    √steps_per_year. Variance reduction is 1 − var(hedged returns)/var(unhedged returns)
    (Ederington's hedge effectiveness). *Effectiveness* is the R² of the futures leg's USD
    change on the spot's USD change, step by step; the dollar offset is −(futures leg's
    gain)/(spot's gain) over the whole period.

    Examples
    --------
    A full hedge on 0.01 USD contracts (a small lot: little rounding) takes out nearly all of
    the variance and offsets the spot's gain:

    >>> bt = hedge_backtest(1.0, [100, 110, 99, 120], 0.01, fee_rate=0, maint_rate=0)
    >>> s = backtest_stats(bt)
    >>> round(float(s["variance_reduction"]), 6), round(float(s["dollar_offset"]), 4)
    (1.0, 1.0)
    """
    u, v = bt.unhedged, bt.hedged
    with np.errstate(divide="ignore", invalid="ignore"):
        ru = u[1:] / u[:-1] - 1.0
        rv = v[1:] / v[:-1] - 1.0
        var_u = ru.var(axis=0, ddof=1) if len(ru) > 1 else np.full(u.shape[1:], np.nan)
        var_v = rv.var(axis=0, ddof=1) if len(rv) > 1 else np.full(u.shape[1:], np.nan)
        ds = np.diff(u, axis=0)
        dh = np.diff(bt.hedge_usd, axis=0)
        dsm, dhm = ds - ds.mean(axis=0), dh - dh.mean(axis=0)
        cov = (dsm * dhm).sum(axis=0)
        r2 = cov ** 2 / ((dsm ** 2).sum(axis=0) * (dhm ** 2).sum(axis=0))
        offset = -(bt.hedge_usd[-1] - bt.hedge_usd[0]) / (u[-1] - u[0])
        reduction = 1.0 - var_v / var_u
    gross_in = bt.funding_in if bt.funding_in is not None else np.maximum(bt.funding, 0.0)
    gross_out = bt.funding_out if bt.funding_out is not None else np.minimum(bt.funding, 0.0)
    return {
        "start_usd": v[0] * 1.0,
        "end_unhedged_usd": u[-1] * 1.0,
        "end_hedged_usd": v[-1] * 1.0,
        "vol_unhedged": np.sqrt(var_u * steps_per_year),
        "vol_hedged": np.sqrt(var_v * steps_per_year),
        "variance_reduction": reduction,
        "drawdown_unhedged": drawdowns(u).max(axis=0),
        "drawdown_hedged": drawdowns(v).max(axis=0),
        # gross, fixing by fixing where the run kept them apart (negative_rates)
        "funding_received_usd": (gross_in * bt.settle_usd).sum(axis=0),
        "funding_paid_usd": -(gross_out * bt.settle_usd).sum(axis=0) + 0.0,  # not -0
        "fees_usd": (bt.fees * bt.settle_usd).sum(axis=0),
        "trades": bt.trades().sum(axis=0),
        "effectiveness": r2,
        "dollar_offset": offset,
        "liquidation_steps": bt.liquidated.sum(axis=0),
    }
