"""Margin and liquidation as each venue computes them: tiered maintenance margin, the
venue's own convention (chosen by the preset's ``margin_model``), and the liquidation price
rounded to the tick as the venue shows it (``liq_round``).

Units: inverse margin is in the settlement coin, linear margin in the quote currency
(USDT). A *contract* given as a number is an inverse contract with that face value and no
preset: the textbook model of DOMAIN.md ("Margin and liquidation"), no tiers, no rounding.

References
----------
.. [1] Binance, "How to Calculate Liquidation Price of COIN-M Futures Contracts",
   https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46
.. [2] Bybit, "How to calculate Liquidation Price (Inverse Contract)",
   https://help.bybit.com/hc/en-us/articles/360039261334
.. [3] Bybit, "Liquidation Price (USDT Contract)", isolated margin example.
"""

from __future__ import annotations

import numpy as np

from .contracts import get_contract, resolve
from .tiers import TierError, tiers_of
from .validate import broadcast, num, out

__all__ = ["position_value", "maintenance_margin", "initial_margin", "margin",
           "liquidation_price", "liquidation_distance", "bankruptcy_price", "AT_LIQUIDATION"]

#: Margin models that charge maintenance on the value at the liquidation price.
AT_LIQUIDATION = ("liq_value", "liq_value_fee")


def _groups(contract, shape):
    """``(mask, spec)`` for each distinct contract; the mask has ``shape``."""
    arr = np.asarray(contract, dtype=object) if not isinstance(contract, str) else None
    if arr is None or arr.ndim == 0:
        c = contract if arr is None else arr.item()
        return [(np.ones(shape, bool), get_contract(c))]
    arr = np.broadcast_to(arr, shape)
    out_ = []
    for k in dict.fromkeys(arr.ravel().tolist()):
        try:
            spec = get_contract(k)
        except ValueError as e:
            bad = int(np.flatnonzero(arr.ravel() == k)[0])
            raise ValueError(f"{e} (index {bad})") from None
        out_.append((arr == k, spec))
    return out_


def position_value(contracts, price, contract):
    """A position's value at ``price``: |q|·F/P in coin (inverse), |q|·c·P in quote (linear).

    Examples
    --------
    100 BINANCE:BTCUSD_PERP contracts (face 100 USD) at 25,000:

    >>> position_value(100, 25_000, "BINANCE:BTCUSD_PERP")
    0.4
    """
    q = np.abs(num(contracts, "contracts"))
    p = num(price, "price", positive=True)
    linear, mult, _ = resolve(contract)
    broadcast(contracts=q, price=p, contract=mult)
    return out(np.where(linear, q * mult * p, q * mult / p))


def _size(q, p, spec, unit):
    """Position size in the tiers' unit: coin value, quote value or contracts."""
    if unit == "contracts":
        return np.abs(q)
    qa = np.abs(q) * spec.multiplier
    return qa * p if spec.linear else qa / p


def _tier(spec, q, p, where=None):
    """Maintenance rate and amount of the tier of a position of ``q`` at price ``p``;
    refused beyond the table's largest tier. ``where``: the positions' indices in the
    caller's arguments, named in the refusal (None for a single position)."""
    t = tiers_of(spec)
    size = _size(q, p, spec, t.cap_unit)
    i = t.index(size)
    beyond = i >= len(t.cap)
    if np.any(beyond):
        j = int(np.flatnonzero(np.ravel(beyond))[0])
        s = float(np.ravel(size)[j])
        unit = {"coin": spec.settle or spec.coin, "quote": spec.settle,
                "contracts": "contracts"}[t.cap_unit]
        at = "" if t.cap_unit == "contracts" else \
            f" at {float(np.ravel(np.broadcast_to(p, np.shape(size)))[j]):,.2f} USD"
        where = "" if where is None else f" (index {int(where[j])})"
        raise TierError(f"a position of {s:,.6g} {unit}{at} is beyond the largest margin tier "
                        f"of {spec.key} ({t.bound:,.6g} {unit}): load the venue's current "
                        f"tiers{where}")
    # the tier's rate (plus Deribit's slope), or each tier's on its slice (Kraken: no amount)
    amount = np.zeros(np.shape(size)) if t.charge == "slices" else t.maint_amount[i]
    return t.rate(size), amount


def _full(contract, **arrays):
    """Check and broadcast the array arguments and the contract; return the common shape
    and each argument broadcast to it."""
    cshape = () if isinstance(contract, str) else np.shape(np.asarray(contract, dtype=object))
    broadcast(**arrays, contract=np.empty(cshape))
    shape = np.broadcast_shapes(*(np.shape(v) for v in arrays.values()), cshape)
    return shape, {k: np.broadcast_to(v, shape) for k, v in arrays.items()}


def maintenance_margin(contracts, price, contract, maint_rate=None, maint_amount=None):
    """Maintenance margin at ``price``: value·m − amount, with the preset's tier when
    ``maint_rate`` is omitted.

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts.
    price : array_like
        USD per coin, > 0: the mark price (Binance, OKX) or the entry price (Bybit).
    contract : str, number or array_like
        Preset key, or an inverse face value in USD (then ``maint_rate`` is required).
    maint_rate, maint_amount : array_like, optional
        The rate m (a fraction) and the amount subtracted (settlement currency); both
        from the preset's tier of the position's value at ``price`` when omitted.

    Returns
    -------
    float or ndarray
        Coin for inverse contracts, quote currency for linear ones; never below 0.

    Examples
    --------
    Binance COIN-M: 100 BTCUSD contracts at mark 25,000 are worth 0.4 BTC, in the first
    tier (0.4 %):

    >>> round(maintenance_margin(100, 25_000, "BINANCE:BTCUSD_PERP"), 10)
    0.0016
    """
    arrays = dict(contracts=num(contracts, "contracts"),
                  price=num(price, "price", positive=True))
    if maint_rate is not None:
        arrays["maint_rate"] = num(maint_rate, "maint_rate", nonneg=True)
        arrays["maint_amount"] = num(0.0 if maint_amount is None else maint_amount,
                                     "maint_amount", nonneg=True)
    shape, full = _full(contract, **arrays)
    res = np.zeros(shape)
    for mask, spec in _groups(contract, shape):
        q, p = full["contracts"][mask], full["price"][mask]
        if maint_rate is not None:
            m, a = full["maint_rate"][mask], full["maint_amount"][mask]
        elif spec.face_only:
            raise ValueError("maint_rate is required for a contract given as a face value")
        else:
            m, a = _tier(spec, q, p, np.flatnonzero(mask) if shape else None)
        value = np.abs(q) * spec.multiplier
        value = value * p if spec.linear else value / p
        res[mask] = np.maximum(value * m - a, 0.0)
    return out(res if shape else res.reshape(()))


def initial_margin(contracts, entry_price, contract, leverage=1.0):
    """Initial margin at leverage L: |q|·F/(P0·L) in coin (inverse), |q|·c·P0/L (linear).

    Examples
    --------
    >>> initial_margin(-625, 50_000, 100)
    1.25
    """
    q = np.abs(num(contracts, "contracts"))
    p0 = num(entry_price, "entry_price", positive=True)
    lev = num(leverage, "leverage", positive=True)
    linear, mult, _ = resolve(contract)
    broadcast(contracts=q, entry_price=p0, leverage=lev, contract=mult)
    return out(np.where(linear, q * mult * p0, q * mult / p0) / lev)


def margin(contracts, price, contract, kind="maintenance", leverage=1.0, maint_rate=None,
           maint_amount=None):
    """Initial or maintenance margin of a position at ``price``, in the settlement
    currency (see :func:`initial_margin` and :func:`maintenance_margin`).

    >>> margin(100, 25_000, "BINANCE:BTCUSD_PERP", "initial", 20)
    0.02
    """
    k = str(kind).strip().lower()
    if k == "initial":
        return initial_margin(contracts, price, contract, leverage)
    if k == "maintenance":
        return maintenance_margin(contracts, price, contract, maint_rate, maint_amount)
    raise ValueError(f"kind must be 'initial' or 'maintenance', got {kind!r}")


_SCALARS = (float, int, np.float64)
_NAN = np.float64("nan")  # NaN that stays a numpy scalar (``~`` of a comparison is logical)


def _pick(c, x, y):
    """np.where for one value: ``x`` where ``c`` holds, else ``y``."""
    return x if c else y


def _liq(spec, q, ep, b, m, a, fee, k=0.0):
    """Unrounded liquidation price of one contract's positions (arrays of one shape).
    ``k``: the rate added per coin of the value at LP (Deribit's formula; inverse only)."""
    # one position (a per-cell formula): the same formulas on numpy scalars, without the
    # arrays np.where would make of them
    where = _pick if all(type(x) in _SCALARS for x in (q, ep, b, m, a, k)) else np.where
    long = q > 0
    model = "liq_value" if spec.face_only else spec.margin_model
    with np.errstate(divide="ignore", invalid="ignore"):
        if not spec.linear:
            qa = abs(q) * spec.multiplier  # USD notional
            v0 = qa / ep  # value at entry, coin
            if model in AT_LIQUIDATION:
                # equity at LP = V(m' + k·V) − a, V = N/LP the value there, m' the rate
                # (plus the taker fee where the venue adds it): k·V² + (1 ± m')·V ∓ c = 0
                mf = m + fee if model == "liq_value_fee" else m
                den = where(long, v0 + b + a, v0 - b - a)
                h = where(long, 1 + mf, 1 - mf)
                disc = h * h + where(long, 4.0, -4.0) * k * den
                lp = qa * (h + np.sqrt(disc)) / (2 * den)  # N/V, the root nearer the entry
                # a short its margin covers (den <= 0) is still liquidated where the rate
                # that grows with its value passes 1 − m: the larger root, V = (h + √)/2k
                grows = ~long & (den <= 0) & (k > 0)
                lp = where(grows, 2 * k * qa / (h + np.sqrt(np.abs(disc))), lp)
                den = where(grows, 1.0, where(disc >= 0, den, -1.0))
            else:
                mm = v0 * m - a
                if model == "entry_value_fee":  # the fee to close at the bankruptcy price
                    # BP: where the margin left equals that fee, so N/BP = (V0 ± B)/(1 ± fee)
                    mm = mm + fee * where(long, (b + v0) / (1 + fee), (v0 - b) / (1 - fee))
                den = where(long, b + v0 - mm, v0 - b + mm)
                lp = qa / den
            lp = where(den > 0, lp, _NAN)
        else:
            qa = abs(q) * spec.multiplier  # coins
            if model in AT_LIQUIDATION:
                mf = m + fee if model == "liq_value_fee" else m
                lp = where(long, (qa * ep - b - a) / (qa * (1 - mf)),
                              (qa * ep + b + a) / (qa * (1 + mf)))
            else:
                mm = m * qa * ep - a
                if model == "entry_value_fee":  # fee·Q·BP, BP as for inverse
                    mm = mm + fee * where(long, (qa * ep - b) / (1 - fee),
                                             (qa * ep + b) / (1 + fee))
                lp = where(long, ep - (b - mm) / qa, ep + (b - mm) / qa)
    return where((q == 0) | ~(lp > 0) | ~np.isfinite(lp), _NAN, lp)


def _round_to_tick(spec, q, lp):
    tick = spec.tick
    if not spec.liq_round or not (tick > 0):
        return lp
    x = np.round(lp / tick, 9)  # 5739.5 / 0.5 is 11479.000000001 in floating point
    if spec.liq_round == "nearest":
        x = np.round(x)
    else:  # toward the entry: a long's price up, a short's down
        x = np.where(q > 0, np.ceil(x), np.floor(x))
    return np.round(x * tick, 10)  # 548502 x 0.1 is 54850.200000000004


def liquidation_price(contracts, entry_price, margin, contract, maint_rate=None,
                      maint_amount=None, *, fee_rate=None, round_to_tick=True):
    """Liquidation price as the contract's venue computes it; NaN where there is none.

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts (+ long, − short).
    entry_price : array_like
        EP in USD per coin, > 0.
    margin : array_like
        The margin B behind the position, >= 0: isolated margin, or for cross margin the
        wallet balance (less what the account's other positions need), in the settlement
        currency.
    contract : str, number or array_like
        Preset key; or an inverse face value in USD for the textbook model.
    maint_rate : array_like, optional
        Maintenance rate m. Omitted: the preset's tier (re-checked at the liquidation
        price where maintenance is charged on the value there, as Binance documents); 0
        (the bankruptcy price) for a face value.
    maint_amount : array_like, optional
        Maintenance amount ``cum`` in the settlement currency; default 0 when
        ``maint_rate`` is given, the tier's amount when it is not.
    fee_rate : float, optional
        The taker fee to close, where the venue's convention charges it
        (``entry_value_fee``, ``liq_value_fee``); default the preset's ``taker_fee``.
    round_to_tick : bool
        Round as the venue shows it (the preset's ``liq_round``); False for the formula's
        own value.

    Returns
    -------
    float or ndarray
        USD per coin. With N = |q|·F (inverse), V0 = N/EP:

        - ``liq_value`` (Binance, Deribit): long N(1+m)/(V0 + B + cum), short
          N(1−m)/(V0 − B − cum); linear long (Q·EP − B − cum)/(Q(1−m)), short
          (Q·EP + B + cum)/(Q(1+m)), Q = |q|·c. Where the tier has a slope k (Deribit:
          m = 1 % + k·V, k = 0.005 % per BTC of the value V = N/LP), the equity there,
          B ± (V0 − V), equals V·(m + k·V) − cum: a quadratic in V, its root nearer the
          entry.
        - ``liq_value_fee`` (OKX): as ``liq_value`` with m + φ, the taker fee φ: OKX
          liquidates when the margin ratio falls to the maintenance rate plus the fee.
        - ``entry_value`` (Bybit USDT, BitMEX): MM = m·V0 − cum, long N/(B + V0 − MM), short
          N/(V0 − B + MM); linear long EP − (B − MM)/Q, short EP + (B − MM)/Q.
        - ``entry_value_fee`` (Bybit inverse): as ``entry_value``, with the taker fee φ to
          close at the bankruptcy price BP added to MM: φ·N/BP, where the margin left at BP
          pays that fee (long N/BP = (B + V0)/(1 + φ); short (V0 − B)/(1 − φ)). Bybit's
          example prints BP = 5,718.57 for it.

        NaN where the position cannot be liquidated (an inverse short whose margin covers
        its notional, a zero position).

    Examples
    --------
    Binance COIN-M's published example: long 100,000 BTCUSD at 45,000, wallet 101 BTC,
    maintenance rate 12.5 %, maintenance amount 11.605 BTC:

    >>> liquidation_price(100_000, 45_000, 101, "BINANCE:BTCUSD_PERP", 0.125, 11.605)
    33599.4

    OKX's example: 1 BTC of BTC-USDT-SWAP (100 contracts of 0.01 BTC) long at 60,000 with
    6,000 USDT (10x), maintenance 1.5 %, taker 0.05 %: (60,000 − 6,000)/(1 − 1.55 %) =
    54,850.18, shown at OKX's 0.1 tick:

    >>> round(liquidation_price(100, 60_000, 6_000, "OKX:BTC-USDT-SWAP", 0.015,
    ...                         round_to_tick=False), 2)
    54850.18
    >>> liquidation_price(100, 60_000, 6_000, "OKX:BTC-USDT-SWAP", 0.015)
    54850.2

    Bybit's cross example (0.5 BTC, long 10,000 BTCUSD at 8,000, MM 0.5 %, taker 0.075 %):
    the formula gives 5,739.08 and Bybit shows it rounded up to the 0.5 tick:

    >>> liquidation_price(10_000, 8_000, 0.5, "BYBIT:BTCUSD", fee_rate=0.00075)
    5739.5
    >>> round(liquidation_price(10_000, 8_000, 0.5, "BYBIT:BTCUSD", fee_rate=0.00075,
    ...                         round_to_tick=False), 2)
    5739.08

    The textbook model with a face value (no tiers, bankruptcy at m = 0):

    >>> round(liquidation_price(10_000, 50_000, 0.02, 1), 6)
    45454.545455
    """
    arrays = dict(contracts=num(contracts, "contracts"),
                  entry_price=num(entry_price, "entry_price", positive=True),
                  margin=num(margin, "margin", nonneg=True))
    given = maint_rate is not None
    if given:
        arrays["maint_rate"] = num(maint_rate, "maint_rate", nonneg=True)
    amount = maint_amount is not None
    if amount:
        arrays["maint_amount"] = num(maint_amount, "maint_amount", nonneg=True)
    if isinstance(contract, (str, float, int)) and \
            all(type(v) is np.float64 for v in arrays.values()):  # one position: no masks
        return out(_one_liq(get_contract(contract), arrays, fee_rate, round_to_tick))
    shape, full = _full(contract, **arrays)
    res = np.full(shape, np.nan)
    for mask, spec in _groups(contract, shape):
        qq, e, bb = full["contracts"][mask], full["entry_price"][mask], full["margin"][mask]
        fee = spec.taker_fee if fee_rate is None else float(fee_rate)
        fee = fee if fee == fee else 0.0
        a = full["maint_amount"][mask] if amount else 0.0
        if given:
            lp = _liq(spec, qq, e, bb, full["maint_rate"][mask], a, fee)
        elif spec.face_only:  # the textbook model: m = 0 is the bankruptcy price
            lp = _liq(spec, qq, e, bb, 0.0, a, fee)
        else:
            lp = _tiered(spec, qq, e, bb, fee, np.flatnonzero(mask) if shape else None)
        if round_to_tick:
            lp = _round_to_tick(spec, qq, lp)
        res[mask] = lp
    return out(res if shape else res.reshape(()))


def _one_liq(spec, x: dict, fee_rate, round_to_tick):
    """:func:`liquidation_price` of one position (numpy scalars in ``x``), as the loop over
    contracts computes it, without broadcasting or masks (a per-cell formula's call)."""
    fee = spec.taker_fee if fee_rate is None else float(fee_rate)
    fee = fee if fee == fee else 0.0
    q, e, b = x["contracts"], x["entry_price"], x["margin"]
    a = x.get("maint_amount", 0.0)
    if "maint_rate" in x:
        lp = _liq(spec, q, e, b, x["maint_rate"], a, fee)
    elif spec.face_only:
        lp = _liq(spec, q, e, b, 0.0, a, fee)
    else:
        lp = _tiered(spec, q, e, b, fee, None)
    return _round_to_tick(spec, q, lp) if round_to_tick else lp


def _same(x, y) -> bool:
    """Whether two rates (or amounts), scalars or arrays, are equal everywhere."""
    return bool(x == y) if np.ndim(x) == 0 and np.ndim(y) == 0 else np.array_equal(x, y)


def _tiered(spec, q, ep, b, fee, where=None):
    """The liquidation price with the preset's tiers. Where maintenance is charged on the
    value at the liquidation price, the tier is re-checked there, as Binance documents,
    until it holds; a price that flips between two tiers (it cannot settle) takes the
    one nearer the entry, the safer to show. A tier with a slope (Deribit's formula) is
    solved in closed form at LP."""
    t = tiers_of(spec)
    m, a = _tier(spec, q, ep, where)
    if spec.margin_model not in AT_LIQUIDATION or t.cap_unit == "contracts":
        return _liq(spec, q, ep, b, m, a, fee)
    if t.slope is not None:
        return _sloped(spec, t, q, ep, b, fee, where)
    lp = _liq(spec, q, ep, b, m, a, fee)
    prev = lp
    for _ in range(len(t.cap) + 1):
        at = (lp if np.isfinite(lp) else ep) if np.ndim(lp) == 0 else \
            np.where(np.isfinite(lp), lp, ep)
        m2, a2 = _tier(spec, q, at, where)
        if _same(m2, m) and _same(a2, a):
            return lp
        m, a, prev = m2, a2, lp
        lp = _liq(spec, q, ep, b, m, a, fee)
    return np.where(q > 0, np.fmax(lp, prev), np.fmin(lp, prev))


def _sloped(spec, t, q, ep, b, fee, where):
    """LP where the rate is a tier's base plus a slope per coin of the value at LP
    (Deribit: 1 % + 0.005 % per BTC): the tier found at entry, re-checked at LP."""
    if spec.linear or t.cap_unit != "coin":
        raise ValueError(f"the margin tiers of {spec.key}: a maint_slope applies to an "
                         f"inverse contract's value in coin (cap_unit coin)")
    i = np.minimum(t.index(_size(q, ep, spec, "coin")), len(t.cap) - 1)
    for _ in range(len(t.cap) + 1):
        lp = _liq(spec, q, ep, b, t.maint_rate[i], t.maint_amount[i], fee, t.slopes[i])
        at = np.where(np.isfinite(lp), lp, ep)
        _tier(spec, q, at, where)  # refused beyond the table
        j = np.minimum(t.index(_size(q, at, spec, "coin")), len(t.cap) - 1)
        if np.array_equal(i, j):
            break
        i = np.maximum(i, j)
    under = (q < 0) & ~np.isfinite(lp) & (b < _size(q, ep, spec, "coin"))
    if np.any(under):
        j = int(np.flatnonzero(np.ravel(under))[0])
        raise TierError(f"a short of {float(np.abs(np.ravel(q)[j])):,.6g} contracts of "
                        f"{spec.key} needs more maintenance margin than its equity at any "
                        f"price: load the venue's current margin rule"
                        f"{'' if where is None else f' (index {int(where[j])})'}")
    return lp


def bankruptcy_price(contracts, entry_price, leverage):
    """Bankruptcy price of an inverse position at leverage L (liquidation at m = 0).

    Returns
    -------
    float or ndarray
        Long: P0·L/(L+1). Short: P0·L/(L−1), NaN at L <= 1 (a 1x short has none).

    Examples
    --------
    >>> bankruptcy_price(1, 50_000, 10) == liquidation_price(10_000, 50_000, 0.02, 1)
    True
    >>> bankruptcy_price(-1, 50_000, 2)
    100000.0
    """
    q = num(contracts, "contracts")
    p0 = num(entry_price, "entry_price", positive=True)
    lev = num(leverage, "leverage", positive=True)
    broadcast(contracts=q, entry_price=p0, leverage=lev)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.where(q >= 0, p0 * lev / (lev + 1), p0 * lev / (lev - 1))
    return out(np.where((q == 0) | ~(res > 0) | ~np.isfinite(res), np.nan, res))


def liquidation_distance(contracts, mark_price, liq_price):
    """The price move to liquidation as a fraction of the mark price, + while safe.

    Long: (M − LP)/M; short: (LP − M)/M. Negative once the mark is past the liquidation
    price; NaN where there is no liquidation price (NaN or 0 in ``liq_price``) or no
    position.

    Examples
    --------
    >>> liquidation_distance(-1000, 50_000, 60_000)
    0.2
    >>> liquidation_distance(1000, 50_000, 45_000)
    0.1
    """
    q = num(contracts, "contracts")
    mk = num(mark_price, "mark_price", positive=True)
    lp = num(liq_price, "liq_price", allow_nan=True)
    broadcast(contracts=q, mark_price=mk, liq_price=lp)
    res = np.where(q > 0, (mk - lp) / mk, (lp - mk) / mk)
    return out(np.where((q == 0) | ~(lp > 0), np.nan, res))
