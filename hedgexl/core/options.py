"""Coin-settled options, as Deribit lists and marks them: Black-76 on the expiry's future.

Deribit's BTC and ETH options are inverse, like the futures hedgexl is built on: the premium
and the payoff are paid in the coin. Deribit marks an option with Black-76 on the future of
its expiry, ``F``, at zero interest rate, and divides the USD premium by ``F``:

    d1 = (ln(F/K) + σ²T/2) / (σ√T),   d2 = d1 − σ√T
    call (USD) = F·N(d1) − K·N(d2),    put (USD) = K·N(−d2) − F·N(−d1)
    premium in coin = premium in USD / F

Put-call parity in coin: ``C − P = 1 − K/F``. The model's limits: European exercise (Deribit's
options are), r = 0 on the future (the future carries the rate), no dividends, one volatility
per option (the smile is in the volatilities, not the model). ``T`` is in years of 365 days.

Units: ``settle`` (the default, as everywhere in hedgexl: the currency the venue books the
amount in, which for Deribit's options is the coin) or ``coin``, and ``usd``.

Greeks, ``unit="usd"``: Black-76's, per option on one coin: delta (USD per USD of F, the
"Black delta" N(d1) or N(d1) − 1), gamma (per USD of F), vega (USD per volatility point,
0.01) and theta (USD per calendar day, −∂V/∂T/365). ``unit="settle"`` or ``"coin"``: the greeks of the
premium in coin ``V/F``: delta as the coins of exposure it carries, ``F·∂(V/F)/∂F`` =
Black delta − premium in coin (the premium itself is coin that moves with the coin: a
long call's coin delta is smaller than its Black delta); gamma ``∂(coin delta)/∂F``
= gamma(USD) − coin delta/F; vega and theta the USD ones divided by F.
Deribit's API shows both: a ticker's ``greeks.delta`` is "the Black Scholes Delta" (the
``usd`` delta here, what its screen shows per option), while an account's ``delta_total``
uses the "Net Transaction Delta", the Black-Scholes delta minus the option's mark price
(the ``coin`` delta here, what a coin-margined desk holds). Deribit's theta is the smaller
of one day's and the option's remaining lifetime's; this theta is Black-76's per day.

References: Deribit API v2, ``public/ticker`` and the ``greeks`` object
(https://docs.deribit.com/#public-ticker); Deribit, "Inverse Options"
(https://support.deribit.com/hc/en-us/articles/25944688327069-Inverse-Options).
"""

from __future__ import annotations

import math

import numpy as np

from .validate import broadcast, check_unit, num, out

__all__ = ["option_price", "option_greeks", "implied_vol", "option_payoff",
           "short_option_margin", "option_scenario", "OPTION_SCENARIO_COLUMNS",
           "OPTION_KINDS", "OPTION_UNITS", "GREEKS"]

OPTION_KINDS = ("call", "put")
#: ``settle`` is the currency Deribit books an option in, its coin (as for every HEDGE_*).
OPTION_UNITS = ("settle", "coin", "usd")
#: The greeks :func:`option_greeks` returns, in order.
GREEKS = ("delta", "gamma", "vega", "theta")

_erfc = np.frompyfunc(math.erfc, 1, 1)


def _ncdf(x):
    """The standard normal CDF, to double precision (math.erfc, element by element)."""
    if np.ndim(x) == 0:
        return 0.5 * math.erfc(-float(x) / math.sqrt(2.0))
    return 0.5 * _erfc(-np.asarray(x, dtype=float) / math.sqrt(2.0)).astype(float)


def _npdf(x):
    return np.exp(-0.5 * np.square(x)) / math.sqrt(2.0 * math.pi)


def _in_usd(unit) -> bool:
    """``unit`` checked: True for USD, False for the coin (``settle`` or ``coin``)."""
    return check_unit(unit, OPTION_UNITS) == "usd"


def _is_call(kind):
    """True for a call, False for a put, per element; refuses anything else."""
    def one(k):
        s = str(k).strip().lower()
        if s in ("call", "c"):
            return True
        if s in ("put", "p"):
            return False
        raise ValueError(f"kind must be 'call' or 'put', got {k!r}")
    if isinstance(kind, str) or np.ndim(kind) == 0:
        return np.bool_(one(kind if isinstance(kind, str) else np.asarray(kind).item()))
    arr = np.asarray(kind, dtype=object)
    return np.vectorize(one, otypes=[bool])(arr)


#: The longest option, in years (Deribit lists about one and a half); a larger ``years``
#: is days or months typed as years.
MAX_YEARS = 10.0


def _inputs(kind, forward, strike, years, vol, vol_name="vol"):
    call = _is_call(kind)
    F = num(forward, "forward", positive=True)
    K = num(strike, "strike", positive=True)
    T = num(years, "years", positive=True)
    s = num(vol, vol_name, positive=True)
    broadcast(kind=call, forward=F, strike=K, years=T, **{vol_name: s})
    if np.any(T > MAX_YEARS):
        raise ValueError(f"years is the time to expiry in years (days/365), at most "
                         f"{MAX_YEARS:g}; got {float(np.max(T)):g}")
    if vol_name == "vol" and np.any(s > VOL_BOUNDS[1]):
        raise ValueError(f"vol is a fraction a year (0.55 for Deribit's IV of 55), at most "
                         f"{VOL_BOUNDS[1]:g} ({VOL_BOUNDS[1]:.0%}); got {float(np.max(s)):g}")
    return call, F, K, T, s


def _usd(call, F, K, T, s):
    """(premium in USD, d1, d2, N(d1)) of Black-76 at zero rate."""
    sq = s * np.sqrt(T)
    d1 = (np.log(F / K) + 0.5 * sq * sq) / sq
    d2 = d1 - sq
    n1, n2 = _ncdf(d1), _ncdf(d2)
    usd = np.where(call, F * n1 - K * n2, K * (1.0 - n2) - F * (1.0 - n1))
    return np.maximum(usd, 0.0), d1, d2, n1


def option_price(kind, forward, strike, years, vol, unit="settle"):
    """Premium of a coin-settled (Deribit) option: Black-76 on the future, r = 0.

    Parameters
    ----------
    kind : {"call", "put"} or array_like of them
    forward : array_like
        F, the price of the option's expiry future (Deribit's ``underlying_price``), USD
        per coin, > 0.
    strike : array_like
        K, USD per coin, > 0.
    years : array_like
        T, years to expiry (365-day years), > 0.
    vol : array_like
        σ, the implied volatility a year as a fraction (0.55 for Deribit's 55.0), > 0.
    unit : {"settle", "coin", "usd"}
        ``settle`` (default) or ``coin``: the premium in coin per option on one coin, as
        Deribit quotes and books it (USD premium / F); ``usd``: Black-76's USD premium.

    Returns
    -------
    float or ndarray
        The premium in coin (or USD), >= 0.

    References
    ----------
    Deribit, "Options" (contract specifications): BTC and ETH options are European,
    cash-settled in the coin, 1 coin each; https://www.deribit.com/kb/options

    Examples
    --------
    Deribit's BTC-27MAR26-100000-C on 2025-12-05 (future 93,885.74, 0.30763 years, mark
    IV 44.77 %), marked at 0.07271852 BTC:

    >>> round(option_price("call", 93_885.74, 100_000, 0.30763, 0.4477), 5)
    0.07272

    Parity in coin, C − P = 1 − K/F:

    >>> c = option_price("call", 2_000, 2_200, 0.25, 0.6)
    >>> p = option_price("put", 2_000, 2_200, 0.25, 0.6)
    >>> round(c - p, 12) == round(1 - 2_200 / 2_000, 12)
    True
    """
    call, F, K, T, s = _inputs(kind, forward, strike, years, vol)
    usd = _usd(call, F, K, T, s)[0]
    return out(usd if _in_usd(unit) else usd / F)


def option_greeks(kind, forward, strike, years, vol, unit="settle") -> dict:
    """Delta, gamma, vega and theta of a coin-settled option (see the module for each
    unit's definition).

    Parameters
    ----------
    kind, forward, strike, years, vol : as :func:`option_price`
    unit : {"settle", "coin", "usd"}
        ``settle`` (default) or ``coin``: the greeks of the premium in coin, delta in coins
        of exposure (Black delta − premium in coin); ``usd``: Black-76's (the delta
        Deribit's ticker shows).

    Returns
    -------
    dict of float or ndarray
        ``delta`` (coin per coin, or USD per USD of F), ``gamma`` (per USD of F), ``vega``
        (per volatility point, 0.01), ``theta`` (per calendar day; negative for a long
        option), in coin or USD.

    Examples
    --------
    At the money, 0.25 years, 60 %: the Black delta of a call is N(σ√T/2) = 0.5596, and
    its coin delta that less its premium in coin (0.1192):

    >>> g = option_greeks("call", 50_000, 50_000, 0.25, 0.6, unit="usd")
    >>> round(g["delta"], 4)
    0.5596
    >>> round(option_greeks("call", 50_000, 50_000, 0.25, 0.6)["delta"], 4)
    0.4404
    """
    call, F, K, T, s = _inputs(kind, forward, strike, years, vol)
    usd, d1, _, n1 = _usd(call, F, K, T, s)
    sqT = np.sqrt(T)
    delta = np.where(call, n1, n1 - 1.0)
    gamma = _npdf(d1) / (F * s * sqT)
    vega = F * _npdf(d1) * sqT * 0.01
    theta = -F * _npdf(d1) * s / (2.0 * sqT) / 365.0
    if not _in_usd(unit):
        delta = delta - usd / F
        gamma = gamma - delta / F
        vega, theta = vega / F, theta / F
    return {k: out(v) for k, v in zip(GREEKS, (delta, gamma, vega, theta))}


#: The volatilities :func:`implied_vol` searches, a year: 0.01 % to 1,000 %.
VOL_BOUNDS = (1e-4, 10.0)


def implied_vol(kind, forward, strike, years, premium, unit="settle"):
    """The volatility at which Black-76 gives ``premium``: bisection on σ between 0.01 %
    and 1,000 % a year (the premium rises with σ), to 1e-12.

    Parameters
    ----------
    kind, forward, strike, years : as :func:`option_price`
    premium : array_like
        The option's price, in coin (Deribit's mark_price) or USD as ``unit`` says, > 0.
    unit : {"settle", "coin", "usd"}
        ``settle`` (default) or ``coin``: ``premium`` is in coin; ``usd``: in USD.

    Returns
    -------
    float or ndarray
        σ a year, a fraction (0.55 is Deribit's IV 55).

    Raises
    ------
    ValueError
        Where no volatility fits, naming the first such option: a premium at or below its
        intrinsic value (``max(1 − K/F, 0)`` coin for a call), or above what any volatility
        gives (a call is worth less than 1 coin, a put less than K/F coin).

    Examples
    --------
    Deribit's BTC-27MAR26-100000-C marked at 0.07271852 BTC, its mark IV 44.77 %:

    >>> round(implied_vol("call", 93_885.74, 100_000, 0.30763, 0.07271852), 4)
    0.4477
    """
    call, F, K, T, p = _inputs(kind, forward, strike, years, premium, "premium")
    usd = p if _in_usd(unit) else p * F
    shape = np.broadcast_shapes(*(np.shape(x) for x in (call, F, K, T, usd)))
    call, F, K, T, usd = (np.broadcast_to(x, shape) for x in (call, F, K, T, usd))
    lo, hi = (np.full(shape, v) for v in VOL_BOUNDS)
    p_lo, p_hi = _usd(call, F, K, T, lo)[0], _usd(call, F, K, T, hi)[0]
    bad = ~((usd > p_lo) & (usd < p_hi))
    if bad.any():
        _no_fit(bad, call, F, K, usd, unit)
    for _ in range(60):  # log bisection: 1e5 range / 2^60 leaves ~1e-13 relative
        mid = np.sqrt(lo * hi)
        above = _usd(call, F, K, T, mid)[0] > usd
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    return out(np.sqrt(lo * hi))


def _no_fit(bad, call, F, K, usd, unit):
    j = int(np.flatnonzero(np.ravel(bad))[0])
    c, f, k, u = (np.ravel(x)[j] for x in (call, F, K, usd))
    intrinsic = max(f - k, 0.0) if c else max(k - f, 0.0)
    coin = not _in_usd(unit)
    show = (lambda x: f"{x / f:.6g} coin") if coin else (lambda x: f"{x:,.2f} USD")
    where = f" (index {j})" if np.ndim(bad) else ""
    kind = "call" if c else "put"
    if u <= intrinsic * (1 + 1e-12) + 1e-12:
        why = f"at or below its intrinsic value {show(intrinsic)}"
    else:
        why = f"above what any volatility up to {VOL_BOUNDS[1]:.0%} gives"
    raise ValueError(f"no volatility fits a {kind} premium of {show(u)}: it is {why} "
                     f"(F {f:,.2f}, K {k:,.2f}){where}")


def option_payoff(kind, strike, price):
    """What an option on one coin pays at expiry, in USD: max(S − K, 0) for a call,
    max(K − S, 0) for a put, S the settlement (index) price. A coin-settled option pays
    it in coin, payoff/S, which is worth the same USD then.

    >>> option_payoff(["call", "put"], 100_000, 80_000).tolist()
    [0.0, 20000.0]
    """
    call = _is_call(kind)
    K = num(strike, "strike", positive=True)
    S = num(price, "price", positive=True)
    broadcast(kind=call, strike=K, price=S)
    return out(np.where(call, np.maximum(S - K, 0.0), np.maximum(K - S, 0.0)))


def short_option_margin(kind, forward, strike, mark, im_base, im_floor, mm_base) -> dict:
    """Initial and maintenance margin of a short option on one coin, in the coin, by the
    venue's standard-margin formula (its figures are data: ``data/option_specs.csv``).

    With OTM the amount out of the money (a call: max(K − F, 0); a put: max(F − K, 0), USD)
    and m the option's mark in coin:

    - call: initial max(im_base − OTM/F, im_floor) + m, maintenance mm_base + m;
    - put: maintenance max(mm_base, mm_base·m) + m, initial the larger of
      max(im_base − OTM/F, im_floor) + m and the maintenance.

    Examples
    --------
    A call 10 % out of the money marked at 0.02 BTC, with Deribit's 0.15, 0.10, 0.075:

    >>> m = short_option_margin("call", 100_000, 110_000, 0.02, 0.15, 0.10, 0.075)
    >>> round(m["initial"], 10), round(m["maintenance"], 10)
    (0.12, 0.095)
    """
    call = _is_call(kind)
    F = num(forward, "forward", positive=True)
    K = num(strike, "strike", positive=True)
    m = num(mark, "mark", nonneg=True)
    broadcast(kind=call, forward=F, strike=K, mark=m)
    otm = np.where(call, np.maximum(K - F, 0.0), np.maximum(F - K, 0.0)) / F
    initial = np.maximum(im_base - otm, im_floor) + m
    maint = np.where(call, mm_base + m, np.maximum(mm_base, mm_base * m) + m)
    return {"initial": out(np.where(call, initial, np.maximum(initial, maint))),
            "maintenance": out(maint)}


#: The columns of :func:`option_scenario`, in order.
OPTION_SCENARIO_COLUMNS = ("shock", "price", "holding_usd", "options_usd", "net_usd")


def option_scenario(spot_qty, spot_price, kind, strike, options, premium, shocks=None):
    """A coin holding with option legs on the same coin, valued at expiry after each price
    move: one row per shock of (shock, price at expiry, holding, options, net), in USD.

    Each leg ``j`` is ``options[j]`` coin-settled options on one coin each (+ bought,
    − sold) struck at ``strike[j]``, bought or sold today at ``premium[j]`` coin per
    option. At the expiry price ``S_T = S·(1 + shock)`` a leg is worth
    ``options·(payoff(S_T) − premium·S_T)``: its payoff, less the coin its premium cost,
    valued then. The holding is ``spot_qty·S_T``.

    Examples
    --------
    10 BTC at 92,500 with a collar: 10 puts struck 84,000 bought at 0.0459 BTC, 10 calls
    struck 104,000 sold at 0.0439 BTC; at −30 % the puts pay 10 × (84,000 − 64,750) =
    192,500 USD, less the 0.02 BTC net premium valued at 64,750 (1,295 USD):

    >>> row = option_scenario(10, 92_500, ["put", "call"], [84_000, 104_000], [10, -10],
    ...                       [0.0459, 0.0439], [-0.3])[0]
    >>> [round(float(x), 2) for x in row]
    [-0.3, 64750.0, 647500.0, 191205.0, 838705.0]
    """
    from .scenarios import DEFAULT_SHOCKS
    S = float(num(spot_price, "spot_price", positive=True))
    Q = float(num(spot_qty, "spot_qty"))
    call = np.atleast_1d(_is_call(kind))
    K = np.atleast_1d(num(strike, "strike", positive=True))
    n = np.atleast_1d(num(options, "options"))
    P = np.atleast_1d(num(premium, "premium", nonneg=True))
    broadcast(kind=call, strike=K, options=n, premium=P)
    s = np.asarray(DEFAULT_SHOCKS if shocks is None else num(shocks, "shocks"), float)
    if np.any(s <= -1):
        raise ValueError("a shock must be above -100% (a price stays positive)")
    ST = S * (1.0 + s)
    pay = np.where(call, np.maximum(ST[:, None] - K, 0.0), np.maximum(K - ST[:, None], 0.0))
    legs = (n * (pay - P * ST[:, None])).sum(axis=1)
    return np.column_stack([s, ST, Q * ST, legs, Q * ST + legs])
