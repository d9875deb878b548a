"""Profit and loss: futures PnL, fees, average entry, funding and the hedged net PnL.

Units: an amount is given in the currency the venue books it in, its settlement currency:
the coin for inverse contracts (BTC), USDT or USDC for linear ones (``unit="settle"``, the
default). ``"coin"`` (coins of the contract's underlying) and ``"usd"`` are conversions a
user asks for: coin amounts are valued at the price the docstring names, and a USDT amount
is counted at 1 USD.
"""

from __future__ import annotations

import numpy as np

from .validate import broadcast, check_unit, num, out

#: The units of an amount: the settlement currency (default), the coin, or USD.
UNITS = ("settle", "coin", "usd")


def _unit(unit, linear):
    """``unit`` as ``"coin"`` or ``"usd"`` for contracts that are ``linear`` (bool or
    array): the settlement currency is the coin for inverse contracts, the quote (USDT,
    counted at 1 USD) for linear ones. An array where contracts differ."""
    u = check_unit(unit, UNITS)
    if u != "settle":
        return u
    if np.ndim(linear) == 0:
        return "usd" if linear else "coin"
    return np.where(linear, "usd", "coin")
from .contracts import ContractSpec, get_contract, resolve

__all__ = [
    "inverse_pnl", "linear_pnl", "futures_pnl", "trading_fee", "avg_entry",
    "funding_payments", "funding_total", "funding_series", "net_pnl", "net_pnl_breakdown",
    "UNITS",
]


def inverse_pnl(contracts, entry_price, exit_price, face_value=1.0, unit="coin"):
    """PnL of an inverse position, q·F·(1/P0 − 1/P1) in coin.

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts (+ long, − short).
    entry_price, exit_price : array_like
        P0 and P1 in USD per coin, > 0.
    face_value : array_like, optional
        F in USD per contract, > 0. Default 1.
    unit : {"coin", "settle", "usd"}
        ``coin`` (= ``settle``); ``usd`` values the coin PnL at the exit price:
        q·F·(P1/P0 − 1).

    Returns
    -------
    float or ndarray
        PnL in coin (or USD); positive is a gain.

    Examples
    --------
    BitMEX's published example, long 15,000 XBTUSD from 750 to 800:

    >>> round(inverse_pnl(15_000, 750, 800), 12)
    1.25
    >>> round(inverse_pnl(15_000, 750, 800, unit="usd"), 9)
    1000.0
    """
    q = num(contracts, "contracts")
    p0 = num(entry_price, "entry_price", positive=True)
    p1 = num(exit_price, "exit_price", positive=True)
    f = num(face_value, "face_value", positive=True)
    broadcast(contracts=q, entry_price=p0, exit_price=p1, face_value=f)
    if check_unit(unit, UNITS) == "usd":  # settle: the coin
        return out(q * f * (p1 / p0 - 1.0))
    return out(q * f * (p1 - p0) / (p0 * p1))  # = q·F·(1/P0 − 1/P1), one rounding fewer


def linear_pnl(contracts, entry_price, exit_price, size=1.0, unit="usd"):
    """PnL of a linear position, q·c·(P1 − P0) in USD.

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts.
    entry_price, exit_price : array_like
        P0 and P1 in USD per coin, > 0.
    size : array_like, optional
        Contract size c in coins, > 0. Default 1.
    unit : {"usd", "settle", "coin"}
        ``usd`` (= ``settle``: USDT counted at 1 USD); ``coin`` divides by the exit price.

    Returns
    -------
    float or ndarray
        PnL in USD (or coin at the exit price).

    Examples
    --------
    >>> linear_pnl(-0.5, 60_000, 50_000)
    5000.0
    """
    q = num(contracts, "contracts")
    p0 = num(entry_price, "entry_price", positive=True)
    p1 = num(exit_price, "exit_price", positive=True)
    c = num(size, "size", positive=True)
    broadcast(contracts=q, entry_price=p0, exit_price=p1, size=c)
    usd = q * c * (p1 - p0)
    return out(usd / p1 if check_unit(unit, UNITS) == "coin" else usd)  # settle: USDT


def futures_pnl(contracts, entry_price, exit_price, contract, unit="settle"):
    """Futures PnL for any contract, in its settlement currency (or coin, or USD).

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts.
    entry_price, exit_price : array_like
        P0 and P1 in USD per coin, > 0.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key.
    unit : {"settle", "coin", "usd"}
        ``settle`` (default): the coin for inverse contracts, USDT for linear ones. Coin
        amounts are valued at the exit price; USDT is counted at 1 USD.

    Returns
    -------
    float or ndarray
        Inverse: q·F·(1/P0 − 1/P1) coin. Linear: q·c·(P1 − P0) USDT, divided by P1 for
        ``unit="coin"``.

    Examples
    --------
    Kraken's published example, buy 10,000 PI_XBTUSD at 5,000 and sell at 6,000 (BTC):

    >>> round(futures_pnl(10_000, 5_000, 6_000, "KRAKEN:PI_XBTUSD"), 4)
    0.3333

    Long 0.1 BTC of BINANCE:BTCUSDT from 100,000 to 160,000: 6,000 USDT, as the venue's
    ledger books it (0.0375 BTC at the exit price with ``unit="coin"``):

    >>> futures_pnl(0.1, 100_000, 160_000, "BINANCE:BTCUSDT")
    6000.0
    """
    linear, mult, _ = resolve(contract)
    u = _unit(unit, linear)
    if np.ndim(linear) == 0:
        if linear:
            return linear_pnl(contracts, entry_price, exit_price, mult, u)
        return inverse_pnl(contracts, entry_price, exit_price, mult, u)
    ui, ul = (u, u) if np.ndim(u) == 0 else ("coin", "usd")
    inv = inverse_pnl(contracts, entry_price, exit_price, np.where(linear, 1.0, mult), ui)
    lin = linear_pnl(contracts, entry_price, exit_price, np.where(linear, mult, 1.0), ul)
    return out(np.where(linear, lin, inv))


def trading_fee(contracts_traded, price, contract, fee_rate=None, unit="settle"):
    """Trading fee in the settlement currency, |Δq|·F/P·φ coin (inverse), |Δq|·c·P·φ USDT
    (linear); positive is a cost.

    Parameters
    ----------
    contracts_traded : array_like
        Contracts traded Δq; the sign is ignored.
    price : array_like
        Fill price in USD per coin, > 0.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key.
    fee_rate : array_like, optional
        φ as a fraction of traded notional (negative for a maker rebate). Default: the
        preset's taker fee.
    unit : {"settle", "coin", "usd"}
        ``settle`` (default): the coin for inverse contracts, USDT for linear ones. Coin
        amounts are valued at ``price``.

    Returns
    -------
    float or ndarray
        Inverse: |Δq|·F/P·φ coin. Linear: |Δq|·c·P·φ USDT, divided by P for
        ``unit="coin"``.

    Examples
    --------
    Selling 625 contracts of 100 USD at 50,000 with a 0.05 % taker fee:

    >>> round(trading_fee(-625, 50_000, 100, 0.0005), 12)
    0.000625

    Buying 2 BTC of BINANCE:BTCUSDT at 60,000 with the preset's 0.05 % taker fee, in USDT:

    >>> round(trading_fee(2, 60_000, "BINANCE:BTCUSDT"), 9)
    60.0
    """
    dq = np.abs(num(contracts_traded, "contracts_traded"))
    p = num(price, "price", positive=True)
    if fee_rate is None:
        spec = get_contract(contract)
        if not np.isfinite(spec.taker_fee):
            raise ValueError(f"fee_rate is required: contract {spec.key} has no taker fee")
        fee_rate = spec.taker_fee
    phi = num(fee_rate, "fee_rate")
    linear, mult, _ = resolve(contract)
    broadcast(contracts_traded=dq, price=p, contract=mult, fee_rate=phi)
    u = _unit(unit, linear)
    # In coin: inverse |Δq|·F/P·φ; linear |Δq|·c·φ (which is |Δq|·c·P·φ USDT at the price).
    coin = np.where(linear, dq * mult * phi, dq * mult / p * phi)
    return out(np.where(u == "usd", coin * p, coin))


def avg_entry(contracts, prices, contract=None):
    """Average entry price of several fills: harmonic for inverse, arithmetic for linear.

    Parameters
    ----------
    contracts : array_like
        Signed size of each fill, in contracts.
    prices : array_like
        Fill prices in USD per coin, > 0.
    contract : number or str, optional
        The contract; default inverse.

    Returns
    -------
    float
        Inverse: Σq / Σ(q/P). Linear: Σ(q·P) / Σq. USD per coin.

    Examples
    --------
    Bybit's published example, fills of 1,000 at 5,000 and 2,000 at 6,000:

    >>> round(avg_entry([1_000, 2_000], [5_000, 6_000]), 9)
    5625.0
    """
    q = np.atleast_1d(num(contracts, "contracts"))
    p = np.atleast_1d(num(prices, "prices", positive=True))
    broadcast(contracts=q, prices=p)
    total = q.sum() if q.shape == p.shape else np.broadcast_to(q, p.shape).sum()
    if total == 0:
        raise ValueError("contracts sum to zero: there is no average entry")
    linear = get_contract(contract).linear if contract is not None else False
    if linear:
        return float((q * p).sum() / total)
    return float(total / (q / p).sum())


def no_funding(contract) -> None:
    """Refuse funding on a dated future: it pays none (its cost is the basis it was sold
    at, which it earns or pays as it converges to the index at expiry)."""
    if isinstance(contract, (str, ContractSpec)):
        keys = [contract]
    else:
        arr = np.asarray(contract)
        if arr.dtype.kind not in "OUS":  # face values: perpetual inverse contracts
            return
        keys = [k for k in dict.fromkeys(arr.ravel().tolist()) if isinstance(k, str)]
    for k in keys:
        spec = get_contract(k)
        if spec.expiry:
            raise ValueError(f"{spec.key} is a dated future: it pays no funding (its cost "
                             f"is its basis, earned as it converges at expiry)")


def funding_payments(contracts, contract, mark_prices, funding_rates, unit="settle"):
    """Funding received (+) or paid (−) at each funding time, in the settlement currency:
    −q·F/M·r coin (inverse), −q·c·M·r USDT (linear).

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts: one number, or one per row.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key.
    mark_prices : array_like
        Mark price M at each funding time, USD per coin, > 0.
    funding_rates : array_like
        Funding rate r per interval; positive means longs pay shorts.

    unit : {"settle", "coin", "usd"}
        ``settle`` (default): the coin for inverse contracts, USDT for linear ones. ``usd``
        values each coin payment at its own mark price.

    Returns
    -------
    float or ndarray
        Inverse: −q·F/M·r coin per row. Linear: −q·c·M·r USDT per row, divided by M for
        ``unit="coin"``.

    Examples
    --------
    A short of 625 contracts of 100 USD earns a positive rate:

    >>> round(funding_payments(-625, 100, 50_000, 0.0001), 12)
    0.000125

    A short of 0.5 BTC on BINANCE:BTCUSDT at a mark of 60,000 and a rate of 0.01 %
    receives 3 USDT:

    >>> round(funding_payments(-0.5, "BINANCE:BTCUSDT", 60_000, 0.0001), 9)
    3.0
    """
    q = num(contracts, "contracts")
    m = num(mark_prices, "mark_prices", positive=True)
    r = num(funding_rates, "funding_rates")
    no_funding(contract)
    linear, mult, _ = resolve(contract)
    broadcast(contracts=q, mark_prices=m, funding_rates=r, contract=mult)
    u = _unit(unit, linear)
    if np.ndim(linear) == 0:
        k = -q * mult  # USD notional (inverse) or coins (linear) of the position
        if linear:
            pay = k * m * r if u == "usd" else k * r
        else:
            pay = k * r if u == "usd" else k / m * r
        return out(pay)
    usd = -q * mult * r * np.where(linear, m, 1.0)
    return out(np.where(u == "usd", usd, usd / m))


def funding_total(contracts, contract, mark_prices, funding_rates, unit="settle"):
    """Total funding over a history of (mark price, rate) rows, in the settlement currency
    (+ received).

    Parameters
    ----------
    As :func:`funding_payments`.

    Returns
    -------
    float
        Σ −q·F/M·r coin for inverse contracts; for linear ones, Σ −q·c·M·r USDT (each row
        divided by its M with ``unit="coin"``).

    Examples
    --------
    >>> round(funding_total(-625, 100, [50_000, 50_000], [0.0001, -0.00005]), 12)
    6.25e-05
    """
    return float(np.sum(funding_payments(contracts, contract, mark_prices, funding_rates,
                                         unit)))


def funding_series(contracts, contract, mark_prices, funding_rates, unit="settle"):
    """Running total of funding, one value per row (+ received), in the settlement
    currency.

    Parameters
    ----------
    As :func:`funding_payments`.

    Returns
    -------
    ndarray
        Cumulative sum of :func:`funding_payments`.

    Examples
    --------
    >>> funding_series(-1_000, 1, [40_000, 50_000], [0.0001, 0.0001]) * 1e9
    array([2500., 4500.])
    """
    pay = np.atleast_1d(funding_payments(contracts, contract, mark_prices, funding_rates,
                                         unit))
    return np.cumsum(pay, out=pay) if pay.flags.writeable else np.cumsum(pay)


def net_pnl_breakdown(spot_qty, spot_entry, spot_exit, contracts, fut_entry, fut_exit,
                      contract, funding=0.0, fees=0.0):
    """Net PnL of a hedged holding in USD, split into spot, futures, funding and fees.

    Parameters
    ----------
    spot_qty : array_like
        Coins held S (+ held).
    spot_entry, spot_exit : array_like
        Spot prices P0, P1, USD per coin, > 0.
    contracts : array_like
        Signed futures position q.
    fut_entry, fut_exit : array_like
        Futures prices, USD per coin, > 0.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key.
    funding, fees : array_like, optional
        Funding received (+) and fees paid (+ is a cost), in the contract's settlement
        currency (coin for inverse, USDT for linear), as :func:`funding_total` and
        :func:`trading_fee` give them by default. Default 0.

    Returns
    -------
    dict
        ``spot`` S·(P1 − P0); ``futures``, ``funding`` and ``fees`` (as a positive cost),
        each in USD, coin valued at ``fut_exit``, USDT counted at 1 USD; ``net`` = spot +
        futures + funding − fees.

    Examples
    --------
    >>> b = net_pnl_breakdown(5, 50_000, 42_500, -625, 50_000, 42_500, 100)
    >>> {k: round(v, 6) for k, v in b.items()}
    {'spot': -37500.0, 'futures': 9375.0, 'funding': 0.0, 'fees': 0.0, 'net': -28125.0}

    A linear hedge's funding is the USDT the venue booked, not coin at the exit price:

    >>> b = net_pnl_breakdown(2, 16_500, 23_000, -2, 16_500, 23_000, "BINANCE:BTCUSDT",
    ...                       funding=320.24, fees=39.34)
    >>> {k: round(float(v), 2) for k, v in b.items()}
    {'spot': 13000.0, 'futures': -13000.0, 'funding': 320.24, 'fees': 39.34, 'net': 280.9}
    """
    s = num(spot_qty, "spot_qty")
    p0 = num(spot_entry, "spot_entry", positive=True)
    p1 = num(spot_exit, "spot_exit", positive=True)
    fx = num(fut_exit, "fut_exit", positive=True)
    fund = num(funding, "funding")
    fee = num(fees, "fees")
    broadcast(spot_qty=s, spot_entry=p0, spot_exit=p1, funding=fund, fees=fee,
              contracts=num(contracts, "contracts"), fut_exit=fx)
    fut = futures_pnl(contracts, fut_entry, fut_exit, contract, unit="usd")
    linear, _, _ = resolve(contract)
    # USD per unit of the settlement currency (one position: no array made of it)
    rate = (1.0 if linear else fx) if np.ndim(linear) == 0 else np.where(linear, 1.0, fx)
    parts = {
        "spot": s * (p1 - p0),
        "futures": fut,
        "funding": fund * rate,
        "fees": fee * rate,
    }
    parts["net"] = parts["spot"] + parts["futures"] + parts["funding"] - parts["fees"]
    return {k: out(v if type(v) in (float, np.float64) else np.array(v, dtype=float))
            for k, v in parts.items()}


def net_pnl(spot_qty, spot_entry, spot_exit, contracts, fut_entry, fut_exit, contract,
            funding=0.0, fees=0.0):
    """Net PnL of a hedged holding in USD: spot + futures + funding − fees.

    Parameters
    ----------
    As :func:`net_pnl_breakdown` (funding and fees in the settlement currency).

    Returns
    -------
    float or ndarray
        S·(P1 − P0) + futures PnL + funding − fees, USD: coin amounts valued at the futures
        exit price, USDT counted at 1 USD.

    Examples
    --------
    Seed 000: 5 BTC at 50,000 hedged 25 % (625 contracts of 100 USD), falling to 42,500:

    >>> round(net_pnl(5, 50_000, 42_500, -625, 50_000, 42_500, "BINANCE:BTCUSD_PERP"), 6)
    -28125.0
    """
    return net_pnl_breakdown(spot_qty, spot_entry, spot_exit, contracts, fut_entry,
                             fut_exit, contract, funding, fees)["net"]
