"""The HEDGE_* Excel functions. xlwings' "UDF Modules" setting is ``hedgexl.udfs``.

Each function converts what Excel sends (numbers, ``None`` for blank cells, text, nested lists
for ranges) with :mod:`hedgexl.excel.convert`, calls :mod:`hedgexl.core`, and converts back.
A range in gives a range out that spills. Errors follow the policy in ``docs/excel.md``: a
bad row shows the error value ``#VALUE!`` and the other rows still compute;
``HEDGE_EXPLAIN`` gives the reason.

Units: every HEDGE_* that can answer in more than one currency takes ``unit``, default
``"settle"``: the currency the venue books the amount in (BTC for BTCUSD_PERP, USDT for
BTCUSDT). ``"coin"`` (the contract's coin) and ``"usd"`` are conversions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from . import core
from .excel.convert import (OMIT, ExcelInputError, Key, Num, XlError, cells_of, column,
                            columns, is_one_cell, rowwise, rowwise_many, side_by_side,
                            single)
from .excel.registry import UDFS, decorate, udf

__all__ = [
    "HEDGE_NOTIONAL", "HEDGE_CONTRACTS", "HEDGE_SIZE", "HEDGE_WEIGHT_CONTRACTS", "HEDGE_RESIDUAL", "HEDGE_BETA_SIZE",
    "HEDGE_REBALANCE", "HEDGE_PNL", "HEDGE_FEE", "HEDGE_FUNDING", "HEDGE_FUNDING_SERIES",
    "HEDGE_NET_PNL", "HEDGE_AVG_ENTRY", "HEDGE_LIQ_PRICE", "HEDGE_MARGIN",
    "HEDGE_LIQ_DISTANCE", "HEDGE_BASIS", "HEDGE_OPTION_PRICE", "HEDGE_OPTION_GREEKS",
    "HEDGE_OPTION_IV", "HEDGE_OPTION_SCENARIO", "HEDGE_BETA", "HEDGE_MV_WEIGHTS", "HEDGE_BACKTEST",
    "HEDGE_EFFECTIVENESS", "HEDGE_SCENARIO", "HEDGE_SPEC", "HEDGE_DAYS_TO_EXPIRY",
    "HEDGE_MARK",
    "HEDGE_FUNDING_RATE", "HEDGE_FUNDING_HISTORY", "HEDGE_EXPLAIN",
]

NO_LIQUIDATION = "none"


def _text(value, default, name, allowed):
    value = single(name, value)
    v = default if value is None or str(value).strip() == "" else str(value).strip().lower()
    if v not in allowed:
        raise ExcelInputError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return v


@udf
def HEDGE_WEIGHT_CONTRACTS(asset_value, portfolio_value, target_weight, contract,
                           hedge_price=None, rounding="nearest"):
    """Contracts that bring an asset down to its target weight of the portfolio (− short).

    Parameters
    ----------
    asset_value : number or range
        Value of the asset held, USD.
    portfolio_value : number or range
        Value of the whole portfolio, USD, > 0.
    target_weight : number or range
        The asset's target share of the portfolio, a fraction (0.8 = 80 %).
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    hedge_price : number or range, optional
        Price of the contract's coin in USD; needed for linear contracts only.
    rounding : text, optional
        nearest (default), down (smaller hedge) or up (larger hedge).

    Returns
    -------
    Contracts: −(V − w*·PV)/F (inverse) or −(V − w*·PV)/(P·c) (linear), rounded to the
    lot; 0 at or under the target weight (an under-weight coin is not bought).

    Examples
    --------
    Seed 003: 50 BTC at 60,000 USD, the whole portfolio, kept at 80 %: 600,000 USD above
    the weight, 6,000 contracts of 100 USD short.

    >>> HEDGE_WEIGHT_CONTRACTS(3000000, 3000000, 0.8, "BINANCE:BTCUSD_PERP")
    -6000.0
    >>> HEDGE_WEIGHT_CONTRACTS([[850000], [150000]], 1000000, [[0.7], [0.3]], 100)
    [[-1500.0], [0.0]]
    """
    r = _text(rounding, "nearest", "rounding", _ROUNDING)
    return rowwise(core.weight_hedge_contracts,
                   {"asset_value": Num(asset_value), "portfolio_value": Num(portfolio_value),
                    "target_weight": Num(target_weight), "contract": Key(contract),
                    "hedge_price": Num(hedge_price, OMIT)},
                   {"rounding": r})


@udf
def HEDGE_NOTIONAL(spot_value, hedge_ratio=1, beta=1):
    """USD notional to hedge, h·β·V.

    Parameters
    ----------
    spot_value : number or range
        Value of the holding in USD (quantity × price).
    hedge_ratio : number or range, optional
        Fraction of the exposure to hedge (0.75 = 75 %); default 1.
    beta : number or range, optional
        Beta of the holding to the hedge's underlying; default 1.

    Returns
    -------
    Notional in USD, the sign of the exposure.

    Examples
    --------
    >>> HEDGE_NOTIONAL(250000, 0.25)
    62500.0
    >>> HEDGE_NOTIONAL([[250000], [None], [100000]], 0.5)
    [[125000.0], [None], [50000.0]]
    """
    return rowwise(core.hedge_notional, {"spot_value": Num(spot_value),
                                         "hedge_ratio": Num(hedge_ratio, 1.0),
                                         "beta": Num(beta, 1.0)})


def _sizing_args(spot_value, contract, hedge_ratio, beta, hedge_price):
    return {"spot_value": Num(spot_value), "contract": Key(contract),
            "hedge_ratio": Num(hedge_ratio, 1.0), "beta": Num(beta, 1.0),
            "hedge_price": Num(hedge_price, OMIT)}


_ROUNDING = ("nearest", "down", "up")


@udf
def HEDGE_CONTRACTS(spot_value, contract, hedge_ratio=1, beta=1, hedge_price=None,
                    rounding="nearest"):
    """Signed hedge contracts (− short), rounded to the contract's lot step.

    Parameters
    ----------
    spot_value : number or range
        Value of the holding in USD.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    hedge_ratio : number or range, optional
        Fraction of the exposure to hedge; default 1.
    beta : number or range, optional
        Beta of the holding to the contract's coin; default 1.
    hedge_price : number or range, optional
        Price of the contract's coin in USD; needed for linear contracts only.
    rounding : text, optional
        nearest (default), down (smaller hedge) or up (larger hedge).

    Returns
    -------
    Contracts: −h·β·V/F (inverse) or −h·β·V/(P·c) (linear), rounded to the lot.

    Examples
    --------
    >>> HEDGE_CONTRACTS(250000, "BINANCE:BTCUSD_PERP", 0.25)
    -625.0
    >>> HEDGE_CONTRACTS([[250000, None, -5]], 100, 1, 1, None, "down")
    [[-2500.0, None, 0.0]]
    """
    r = _text(rounding, "nearest", "rounding", _ROUNDING)
    return rowwise(core.hedge_contracts,
                   _sizing_args(spot_value, contract, hedge_ratio, beta, hedge_price),
                   {"rounding": r})


@udf
def HEDGE_RESIDUAL(spot_value, contract, hedge_ratio=1, beta=1, hedge_price=None,
                   rounding="nearest"):
    """USD exposure left unhedged by rounding to the lot step (+ under-hedged).

    Parameters
    ----------
    spot_value : number or range
        Value of the holding in USD.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    hedge_ratio : number or range, optional
        Fraction of the exposure to hedge; default 1.
    beta : number or range, optional
        Beta of the holding to the contract's coin; default 1.
    hedge_price : number or range, optional
        Price of the contract's coin in USD; needed for linear contracts only.
    rounding : text, optional
        nearest (default), down or up.

    Returns
    -------
    USD: target notional h·β·V plus the rounded contracts' notional q·F.

    Examples
    --------
    >>> HEDGE_RESIDUAL(62549, "BINANCE:BTCUSD_PERP")
    49.0
    """
    r = _text(rounding, "nearest", "rounding", _ROUNDING)
    return rowwise(core.hedge_residual,
                   _sizing_args(spot_value, contract, hedge_ratio, beta, hedge_price),
                   {"rounding": r})


@udf
def HEDGE_SIZE(spot_value, contract, hedge_ratio=1, beta=1, hedge_price=None,
               rounding="nearest"):
    """Hedge notional (USD), contracts and residual (USD) of each holding, three columns (spills).

    Parameters
    ----------
    spot_value : number or range
        Value of the holding in USD.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    hedge_ratio : number or range, optional
        Fraction of the exposure to hedge; default 1.
    beta : number or range, optional
        Beta of the holding to the contract's coin; default 1.
    hedge_price : number or range, optional
        Price of the contract's coin in USD; needed for linear contracts only.
    rounding : text, optional
        nearest (default), down or up.

    Returns
    -------
    One row per holding: HEDGE_NOTIONAL (USD), HEDGE_CONTRACTS (signed) and HEDGE_RESIDUAL
    (USD) of its arguments: a whole table's hedge in one call (a live book of thousands of
    holdings recalculates it in one Python call instead of three a row).

    Examples
    --------
    >>> HEDGE_SIZE(62549, "BINANCE:BTCUSD_PERP")
    [[62549.0, -625.0, 49.0]]
    """
    r = _text(rounding, "nearest", "rounding", _ROUNDING)
    args = _sizing_args(spot_value, contract, hedge_ratio, beta, hedge_price)
    every = list(args)  # each column as its own function answers it, arguments read once
    return side_by_side(rowwise_many([
        (core.hedge_notional, ("spot_value", "hedge_ratio", "beta"), None),
        (core.hedge_contracts, every, {"rounding": r}),
        (core.hedge_residual, every, {"rounding": r})], args))


@udf
def HEDGE_BETA_SIZE(spot_value, beta, hedge_price, hedge_ratio=1):
    """Signed hedge size in coins of the hedge asset, −h·β·V/P.

    Parameters
    ----------
    spot_value : number or range
        Value of the holding in USD.
    beta : number or range
        Beta of the holding to the hedge asset.
    hedge_price : number or range
        Price of the hedge asset in USD per coin.
    hedge_ratio : number or range, optional
        Fraction of the exposure to hedge; default 1.

    Returns
    -------
    Coins of the hedge asset; negative (short) for a long holding.

    Examples
    --------
    >>> HEDGE_BETA_SIZE(100000, 1.5, 40000)
    -3.75
    """
    return rowwise(core.beta_size, {"spot_value": Num(spot_value), "beta": Num(beta),
                                    "hedge_price": Num(hedge_price),
                                    "hedge_ratio": Num(hedge_ratio, 1.0)})


@udf
def HEDGE_REBALANCE(current_contracts, spot_value, contract, hedge_ratio=1, beta=1,
                    hedge_price=None):
    """Contracts to trade to reach the target hedge: target − current.

    Parameters
    ----------
    current_contracts : number or range
        Signed position held now, in contracts.
    spot_value : number or range
        Value of the holding in USD.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    hedge_ratio : number or range, optional
        Fraction of the exposure to hedge; default 1.
    beta : number or range, optional
        Beta of the holding to the contract's coin; default 1.
    hedge_price : number or range, optional
        Price of the contract's coin in USD; needed for linear contracts only.

    Returns
    -------
    Contracts to trade: negative sells, positive buys.

    Examples
    --------
    >>> HEDGE_REBALANCE(-100, 20000, 100)
    -100.0
    """
    args = {"current_contracts": Num(current_contracts)}
    args.update(_sizing_args(spot_value, contract, hedge_ratio, beta, hedge_price))
    return rowwise(core.rebalance_contracts, args)


_UNITS = core.UNITS  # settle (default), coin, usd


@udf
def HEDGE_PNL(contracts, entry_price, exit_price, contract, unit="settle"):
    """Futures PnL as the venue books it: coin (inverse) or USDT (linear); unit "coin"/"usd".

    Parameters
    ----------
    contracts : number or range
        Signed position in contracts (+ long, − short).
    entry_price : number or range
        Entry price in USD per coin.
    exit_price : number or range
        Exit price in USD per coin.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    unit : text, optional
        settle (default: the settlement currency, BTC for inverse, USDT for linear), coin
        (÷ exit price for linear) or usd (coin × exit price for inverse).

    Returns
    -------
    Inverse q·F·(1/P0 − 1/P1) coin; linear q·c·(P1 − P0) USDT.

    Examples
    --------
    >>> round(HEDGE_PNL(15000, 750, 800, "BITMEX:XBTUSD"), 12)
    1.25
    >>> HEDGE_PNL(0.1, 100000, 160000, "BINANCE:BTCUSDT")
    6000.0
    >>> HEDGE_PNL([[15000], [15000]], [[750], [-1]], 800, 1)
    [[1.25], ['#VALUE!']]
    """
    u = _text(unit, "settle", "unit", _UNITS)
    return rowwise(core.futures_pnl, {"contracts": Num(contracts),
                                      "entry_price": Num(entry_price),
                                      "exit_price": Num(exit_price),
                                      "contract": Key(contract)}, {"unit": u})


@udf
def HEDGE_FEE(contracts, price, contract, fee_rate, unit="settle"):
    """Trading fee as the venue books it, coin (inverse) or USDT (linear); + is a cost.

    Parameters
    ----------
    contracts : number or range
        Contracts traded; the sign is ignored.
    price : number or range
        Fill price in USD per coin.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    fee_rate : number or range
        Fee as a fraction of traded notional (0.0005 = 0.05 %; negative is a rebate).
    unit : text, optional
        settle (default: BTC for inverse, USDT for linear), coin (the contract's coin) or
        usd (valued at the fill price).

    Returns
    -------
    Inverse |q|·F/P·φ coin; linear |q|·c·P·φ USDT.

    Examples
    --------
    >>> round(HEDGE_FEE(-625, 50000, 100, 0.0005), 12)
    0.000625
    >>> round(HEDGE_FEE(2, 3000, "BINANCE:ETHUSDT", 0.0005), 9)
    3.0
    """
    u = _text(unit, "settle", "unit", _UNITS)
    return rowwise(core.trading_fee, {"contracts_traded": Num(contracts), "price": Num(price),
                                      "contract": Key(contract), "fee_rate": Num(fee_rate)},
                   {"unit": u})


def _funding_rows(contracts, contract, mark_prices, funding_rates, unit):
    """Funding payments per row in ``unit``, NaN where the mark or the rate is blank."""
    m, r, ms = columns(("mark_prices", mark_prices), ("funding_rates", funding_rates),
                       shape=True)
    q, _ = column("contracts", contracts)
    if q.size not in (1, m.size):
        raise ExcelInputError(f"contracts must be one cell or one per row, got {q.size} "
                              f"for {m.size} rows")
    contract = single("contract", contract)
    q = q.ravel() if q.size > 1 else np.float64(q.ravel()[0] if q.size else np.nan)
    ok = ~np.isnan(m) & ~np.isnan(r)
    if q.ndim:
        ok &= ~np.isnan(q)
    elif np.isnan(q):
        raise ExcelInputError("contracts is blank")
    pay = np.full(m.size, np.nan)
    bad = ok & ~(m > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ExcelInputError(f"mark_prices row {i + 1}: must be > 0, got {m[i]:g}")
    pay[ok] = core.funding_payments(q[ok] if q.ndim else q, contract, m[ok], r[ok], unit)
    return pay, ms


@udf
def HEDGE_FUNDING(contracts, contract, mark_prices, funding_rates, unit="settle"):
    """Total funding received (+) or paid (−), as booked: coin (inverse), USDT (linear).

    Parameters
    ----------
    contracts : number or range
        Signed position in contracts: one cell, or one per row.
    contract : text or number
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    mark_prices : range
        Mark price at each funding time, USD per coin; blank rows are skipped.
    funding_rates : range
        Funding rate per interval (+ longs pay shorts); blank rows are skipped.
    unit : text, optional
        settle (default: BTC for inverse, USDT for linear), coin or usd (each coin payment
        at its own mark price).

    Returns
    -------
    Inverse Σ −q·F/M·r coin; linear Σ −q·c·M·r USDT.

    Examples
    --------
    >>> round(HEDGE_FUNDING(-625, 100, [[50000], [None], [40000]], [[1e-4], [2e-4], [2e-4]]), 12)
    0.0004375
    >>> round(HEDGE_FUNDING(-0.5, "BINANCE:BTCUSDT", [[60000], [62000]], [[1e-4], [1e-4]]), 9)
    6.1
    """
    u = _text(unit, "settle", "unit", _UNITS)
    pay, _ = _funding_rows(contracts, contract, mark_prices, funding_rates, u)
    return float(np.nansum(pay))


@udf
def HEDGE_FUNDING_SERIES(contracts, contract, mark_prices, funding_rates, unit="settle"):
    """Running total of funding as booked (coin or USDT), one row per input row (spills).

    Parameters
    ----------
    contracts : number or range
        Signed position in contracts: one cell, or one per row.
    contract : text or number
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    mark_prices : range
        Mark price at each funding time, USD per coin; blank rows give blank results.
    funding_rates : range
        Funding rate per interval (+ longs pay shorts).
    unit : text, optional
        settle (default: BTC for inverse, USDT for linear), coin or usd (each coin payment
        at its own mark price).

    Returns
    -------
    A column of cumulative funding (+ received) in the unit, blank where a row is blank.

    Examples
    --------
    >>> HEDGE_FUNDING_SERIES(-1000, 1, [[40000], [None], [50000]], [[1e-4], [1e-4], [1e-4]])
    [[2.5e-06], [None], [4.500000000000001e-06]]
    """
    u = _text(unit, "settle", "unit", _UNITS)
    pay, shape = _funding_rows(contracts, contract, mark_prices, funding_rates, u)
    blank = np.isnan(pay)
    out = np.cumsum(np.where(blank, 0.0, pay)).astype(object)
    out[blank] = None
    if shape and shape[0] == 1 and shape[1] > 1:  # a row in gives a row out
        return [out.tolist()]
    return out.reshape(-1, 1).tolist()


@udf
def HEDGE_NET_PNL(spot_qty, spot_entry, spot_exit, contracts, fut_entry, fut_exit,
                  contract, funding=0, fees=0):
    """Net PnL of a hedged holding in USD: spot + futures + funding − fees.

    Parameters
    ----------
    spot_qty : number or range
        Coins held (+).
    spot_entry : number or range
        Spot entry price, USD per coin.
    spot_exit : number or range
        Spot exit price, USD per coin.
    contracts : number or range
        Signed futures position in contracts.
    fut_entry : number or range
        Futures entry price, USD per coin.
    fut_exit : number or range
        Futures exit price, USD per coin; coin amounts are valued at it.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    funding : number or range, optional
        Funding received (+) as the venue booked it: coin (inverse), USDT (linear); default 0.
    fees : number or range, optional
        Fees paid (+ is a cost) as the venue booked them: coin or USDT; default 0.

    Returns
    -------
    USD: S·(P1 − P0) + futures PnL + funding − fees; coin valued at the futures exit
    price, USDT counted at 1 USD.

    Examples
    --------
    >>> round(HEDGE_NET_PNL(5, 50000, 42500, -625, 50000, 42500, "BINANCE:BTCUSD_PERP"), 6)
    -28125.0
    >>> round(HEDGE_NET_PNL(2, 16500, 23000, -2, 16500, 23000, "BINANCE:BTCUSDT", 320.24, 39.34), 2)
    280.9
    """
    return rowwise(core.net_pnl, {
        "spot_qty": Num(spot_qty), "spot_entry": Num(spot_entry), "spot_exit": Num(spot_exit),
        "contracts": Num(contracts), "fut_entry": Num(fut_entry), "fut_exit": Num(fut_exit),
        "contract": Key(contract), "funding": Num(funding, 0.0), "fees": Num(fees, 0.0)})


@udf
def HEDGE_AVG_ENTRY(contracts, prices, contract=None):
    """Average entry price of fills, USD per coin (harmonic for inverse contracts).

    Parameters
    ----------
    contracts : range
        Signed size of each fill, in contracts; blank rows are skipped.
    prices : range
        Fill prices in USD per coin.
    contract : text or number, optional
        The contract; default inverse. A linear contract averages arithmetically.

    Returns
    -------
    USD per coin: Σq / Σ(q/P) for inverse, Σ(q·P) / Σq for linear.

    Examples
    --------
    >>> round(HEDGE_AVG_ENTRY([[1000], [2000]], [[5000], [6000]], "BYBIT:BTCUSD"), 9)
    5625.0
    """
    q, p = columns(("contracts", contracts), ("prices", prices))
    ok = ~np.isnan(q) & ~np.isnan(p)
    contract = single("contract", contract)
    return core.avg_entry(q[ok], p[ok], None if contract in (None, "") else contract)


@udf
def HEDGE_LIQ_PRICE(contracts, entry_price, margin, contract, maint_rate=None,
                    maint_amount=None):
    """Liquidation price in USD per coin, as the contract's venue computes it; "none" where there is none.

    Parameters
    ----------
    contracts : number or range
        Signed position in contracts.
    entry_price : number or range
        Entry price, USD per coin.
    margin : number or range
        Margin behind the position: isolated margin, or the wallet balance for cross margin;
        coin for inverse contracts, USD (USDT) for linear ones.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    maint_rate : number or range, optional
        Maintenance margin rate (0.005 = 0.5 %). Omitted: the preset's margin tier (for a
        face value: 0, the bankruptcy price).
    maint_amount : number or range, optional
        Maintenance amount (Binance's "cum"), in the settlement currency; default 0 when
        maint_rate is given, the tier's when it is not.

    Returns
    -------
    USD per coin, in the venue's convention (the preset's margin_model: Binance and Deribit
    on the value there, OKX with its taker fee added, Bybit, BitMEX and Kraken on the entry
    value) and rounded to its tick as the venue shows it; "none" when it cannot be
    liquidated (a 1x inverse short).

    Examples
    --------
    >>> HEDGE_LIQ_PRICE(100000, 45000, 101, "BINANCE:BTCUSD_PERP", 0.125, 11.605)
    33599.4
    >>> HEDGE_LIQ_PRICE(100, 60000, 6000, "OKX:BTC-USDT-SWAP", 0.015)
    54850.2
    >>> round(HEDGE_LIQ_PRICE(10000, 50000, 0.02, 1), 6)
    45454.545455
    >>> HEDGE_LIQ_PRICE(-10000, 50000, 0.2, 1, 0.005)
    'none'
    """
    return rowwise(core.liquidation_price, {
        "contracts": Num(contracts), "entry_price": Num(entry_price), "margin": Num(margin),
        "contract": Key(contract), "maint_rate": Num(maint_rate, OMIT),
        "maint_amount": Num(maint_amount, OMIT)},
        nan_result=NO_LIQUIDATION)


_MARGIN_KINDS = ("maintenance", "initial")


@udf
def HEDGE_MARGIN(contracts, price, contract, kind="maintenance", leverage=1,
                 maint_rate=None, maint_amount=None):
    """Initial or maintenance margin of a position, in the settlement coin (USDT for linear).

    Parameters
    ----------
    contracts : number or range
        Signed position in contracts.
    price : number or range
        USD per coin: the mark price for maintenance margin, the entry price for initial.
    contract : text, number or range
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    kind : text, optional
        Which margin (either is in the settlement coin): "maintenance" (default) or
        "initial".
    leverage : number or range, optional
        Leverage for initial margin, a multiple (10 = 10x: margin is the value in coin / 10);
        default 1.
    maint_rate : number or range, optional
        Maintenance rate; omitted: the preset's tier for the position's value at price.
    maint_amount : number or range, optional
        Maintenance amount subtracted, settlement currency; default the tier's (0 when
        maint_rate is given).

    Returns
    -------
    Coin for inverse contracts (BTC for BTCUSD_PERP), USDT for linear ones.

    Examples
    --------
    >>> round(HEDGE_MARGIN(100, 25000, "BINANCE:BTCUSD_PERP"), 10)
    0.0016
    >>> HEDGE_MARGIN(100, 25000, "BINANCE:BTCUSD_PERP", "initial", 20)
    0.02
    """
    k = _text(kind, "maintenance", "kind", _MARGIN_KINDS)
    if k == "initial":
        return rowwise(core.initial_margin, {
            "contracts": Num(contracts), "entry_price": Num(price), "contract": Key(contract),
            "leverage": Num(leverage, 1.0)})
    return rowwise(core.maintenance_margin, {
        "contracts": Num(contracts), "price": Num(price), "contract": Key(contract),
        "maint_rate": Num(maint_rate, OMIT), "maint_amount": Num(maint_amount, OMIT)})


def _no_liquidation_as_zero(value):
    """HEDGE_LIQ_PRICE's "none" read back as a number: 0, no liquidation price (a blank
    cell stays blank: no row)."""
    if isinstance(value, (list, tuple)):
        return [_no_liquidation_as_zero(v) for v in value]
    if isinstance(value, str) and value.strip().lower() == NO_LIQUIDATION:
        return 0.0
    return value


@udf
def HEDGE_LIQ_DISTANCE(contracts, mark_price, liq_price):
    """Price move to liquidation as a fraction of the mark price (0.2 = a 20 % move); negative once past it.

    Parameters
    ----------
    contracts : number or range
        Signed position in contracts (its sign says which way is dangerous).
    mark_price : number or range
        Mark price, USD per coin.
    liq_price : number or range
        Liquidation price, USD per coin, e.g. from HEDGE_LIQ_PRICE; "none" where there is
        none.

    Returns
    -------
    Long: (mark − liq)/mark; short: (liq − mark)/mark. "none" where there is no
    liquidation price.

    Examples
    --------
    >>> HEDGE_LIQ_DISTANCE(-1000, 50000, 60000)
    0.2
    >>> HEDGE_LIQ_DISTANCE(-1000, 50000, "none")
    'none'
    """
    return rowwise(core.liquidation_distance, {
        "contracts": Num(contracts), "mark_price": Num(mark_price),
        "liq_price": Num(_no_liquidation_as_zero(liq_price))}, nan_result=NO_LIQUIDATION)


@udf
def HEDGE_BASIS(futures_price, spot_price, days_to_expiry=None):
    """Basis as a fraction, F/S − 1; annualised (×365/days) when days are given.

    Parameters
    ----------
    futures_price : number or range
        Futures price, USD per coin.
    spot_price : number or range
        Spot price, USD per coin.
    days_to_expiry : number or range, optional
        Days to the future's expiry; omit for the plain basis.

    Returns
    -------
    A fraction (0.01 = 1 %), per year when annualised.

    Examples
    --------
    >>> round(HEDGE_BASIS(50500, 50000, 73), 12)
    0.05
    """
    return rowwise(core.basis, {"futures_price": Num(futures_price),
                                "spot_price": Num(spot_price),
                                "days_to_expiry": Num(days_to_expiry, OMIT)})


def _option_args(kind, forward, strike, years, last, last_name):
    """The arguments of the HEDGE_OPTION_* functions, for rowwise: kind is text per row."""
    return {"kind": Key(kind), "forward": Num(forward), "strike": Num(strike),
            "years": Num(years), last_name: Num(last)}


@udf
def HEDGE_OPTION_PRICE(kind, forward, strike, years, vol, unit="settle"):
    """Premium of a coin-settled (Deribit) option, Black-76 on the future at r = 0; in coin by default.

    Parameters
    ----------
    kind : text or range
        The option's kind, a text argument: "call" or "put".
    forward : number or range
        Price of the option's expiry future (Deribit's underlying price), USD per coin.
    strike : number or range
        Strike, USD per coin.
    years : number or range
        Years to expiry: days/365.
    vol : number or range
        Implied volatility a year as a fraction (0.55 for Deribit's IV of 55).
    unit : text, optional
        "settle" (default) or "coin": coin per option on one coin, as Deribit quotes and books it; "usd".

    Returns
    -------
    The premium in coin (BTC for a BTC option) or USD, for an option on one coin.

    Examples
    --------
    Deribit's BTC-27MAR26-100000-C on 2025-12-05, marked at 0.07271852 BTC (IV 44.77):

    >>> round(HEDGE_OPTION_PRICE("call", 93885.74, 100000, 0.30763, 0.4477), 5)
    0.07272
    """
    u = _text(unit, "settle", "unit", core.OPTION_UNITS)
    return rowwise(core.option_price, _option_args(kind, forward, strike, years, vol, "vol"),
                   {"unit": u})


@udf
def HEDGE_OPTION_GREEKS(kind, forward, strike, years, vol, unit="settle"):
    """Delta, gamma, vega and theta of a coin-settled option, one row per option (spills).

    Parameters
    ----------
    kind : text or range
        The option's kind, a text argument: "call" or "put".
    forward : number or range
        Price of the option's expiry future, USD per coin.
    strike : number or range
        Strike, USD per coin.
    years : number or range
        Years to expiry: days/365.
    vol : number or range
        Implied volatility a year as a fraction.
    unit : text, optional
        "settle" (default) or "coin": delta in coins of exposure (the Black delta less the premium in coin, Deribit's Net Transaction Delta), gamma, vega and theta of the premium in coin; "usd": Black-76's (the delta Deribit's option screen shows).

    Returns
    -------
    Four columns: delta (coin per coin, or USD per USD), gamma (per USD of the future), vega
    (per volatility point, 0.01) and theta (per day), in coin or USD; one row per option.

    Examples
    --------
    At the money, 0.25 years, 60 %: the Black delta is 0.5596, the coin delta 0.4404:

    >>> [round(x, 4) for x in HEDGE_OPTION_GREEKS("call", 50000, 50000, 0.25, 0.6, "usd")[0][:1]]
    [0.5596]
    >>> round(HEDGE_OPTION_GREEKS("call", 50000, 50000, 0.25, 0.6)[0][0], 4)
    0.4404
    """
    u = _text(unit, "settle", "unit", core.OPTION_UNITS)
    args = _option_args(kind, forward, strike, years, vol, "vol")
    return side_by_side(rowwise_many(  # each greek a column, the ranges read once
        [(lambda g=g, **kw: core.option_greeks(**kw, unit=u)[g], list(args), None)
         for g in core.GREEKS], args))


@udf
def HEDGE_OPTION_IV(kind, forward, strike, years, premium, unit="settle"):
    """Implied volatility of a coin-settled option from its premium (Black-76 on the future, r = 0).

    Parameters
    ----------
    kind : text or range
        The option's kind, a text argument: "call" or "put".
    forward : number or range
        Price of the option's expiry future, USD per coin.
    strike : number or range
        Strike, USD per coin.
    years : number or range
        Years to expiry: days/365.
    premium : number or range
        The option's price: coin per option on one coin (Deribit's mark price), or USD with unit "usd".
    unit : text, optional
        "settle" (default) or "coin": premium is in coin; "usd": in USD.

    Returns
    -------
    Volatility a year as a fraction (0.4477 for Deribit's IV of 44.77); #VALUE! where no
    volatility fits (a premium at or below intrinsic value).

    Examples
    --------
    >>> round(HEDGE_OPTION_IV("call", 93885.74, 100000, 0.30763, 0.07271852), 4)
    0.4477
    """
    u = _text(unit, "settle", "unit", core.OPTION_UNITS)
    return rowwise(core.implied_vol,
                   _option_args(kind, forward, strike, years, premium, "premium"),
                   {"unit": u})


@udf
def HEDGE_OPTION_SCENARIO(spot_qty, spot_price, kind, strike, options, premium, shocks=None):
    """Table of shock, price at expiry, holding, option legs and net value in USD, for a coin held with Deribit options on it (spills).

    Parameters
    ----------
    spot_qty : number or range
        Coins held (one cell).
    spot_price : number or range
        Price today, USD per coin (one cell).
    kind : text or range
        The option's kind, a text argument: "call" or "put", one per leg.
    strike : number or range
        Strike, USD per coin, one per leg.
    options : number or range
        Options on one coin each, one per leg: + bought, − sold.
    premium : number or range
        Price paid or received today, coin per option (Deribit's mark), one per leg.
    shocks : range, optional
        Price moves to expiry as fractions (−0.2 = −20 %); default −50 % to +50 % by 10 %.

    Returns
    -------
    One row per shock: shock, price at expiry (USD), the holding (USD), the legs' payoff
    less the coin their premiums cost, valued then (USD), and the net value (USD).

    Examples
    --------
    10 BTC at 100,000 in a collar (10 puts at 90,000 bought for 0.05 BTC, 10 calls at
    110,000 sold for 0.04 BTC), 25 % lower at expiry: the puts pay 10 × 15,000, less the
    0.1 BTC of net premium valued at 75,000:

    >>> HEDGE_OPTION_SCENARIO(10, 100000, [["put"], ["call"]], [[90000], [110000]], [[10], [-10]], [[0.05], [0.04]], -0.25)
    [[-0.25, 75000.0, 750000.0, 142500.0, 892500.0]]
    """
    q, _ = column("spot_qty", spot_qty)
    p, _ = column("spot_price", spot_price)
    if q.size != 1 or p.size != 1:
        raise ExcelInputError("spot_qty and spot_price are one cell each (one holding)")
    kinds, legs = _option_legs(kind, strike, options, premium)
    sh = None if shocks is None else np.ravel(column("shocks", shocks)[0])
    table = core.option_scenario(q.item(), p.item(), kinds, *legs,
                                 None if sh is None else sh[~np.isnan(sh)])
    return table.tolist()


def _option_legs(kind, strike, options, premium):
    """The legs as a list of kinds and three arrays, one entry per leg; rows left blank
    are no legs; ranges of different lengths are refused."""
    kinds = cells_of(kind)
    legs = [np.ravel(column(n, v)[0]) for n, v in (("strike", strike), ("options", options),
                                                   ("premium", premium))]
    if len({len(kinds), *(x.size for x in legs)}) != 1:
        raise ExcelInputError(f"one kind, strike, options and premium per leg: got "
                              f"{len(kinds)}, {', '.join(str(x.size) for x in legs)} cells")
    used = np.array([not (k in (None, "") and all(np.isnan(x[j]) for x in legs))
                     for j, k in enumerate(kinds)], bool)
    return [k for k, u in zip(kinds, used) if u], [x[used] for x in legs]


def _two_columns(asset_prices, benchmark_prices):
    return columns(("asset_prices", asset_prices), ("benchmark_prices", benchmark_prices))


@udf
def HEDGE_BETA(asset_prices, benchmark_prices, returns="simple", window=None, halflife=None):
    """Beta of an asset to a benchmark from two price ranges; a rolling or EWMA series when a window or half-life is given.

    Parameters
    ----------
    asset_prices : range
        Asset prices in USD, one per date.
    benchmark_prices : range
        Benchmark prices in USD on the same dates.
    returns : text, optional
        simple (default) or log returns.
    window : number, optional
        Returns per rolling window, in rows of dates (3 or more): spills one beta per row.
    halflife : number, optional
        Half-life of an exponentially weighted beta, in rows of dates: spills one beta per
        row.

    Returns
    -------
    Least-squares slope of asset returns on benchmark returns (dimensionless); with a window
    or a half-life, a column with one beta per price row, blank until it is defined.

    Examples
    --------
    >>> round(HEDGE_BETA([[10], [12], [None], [9.6]], [[100], [110], [105], [99]]), 12)
    2.0

    An EWMA beta with a half-life of 5 rows, for an asset that moves twice as far:

    >>> [[None if v is None else round(v, 9) for v in row] for row in HEDGE_BETA(
    ...     [[10], [11], [9.9], [10.395]], [[100], [105], [99.75], [102.24375]],
    ...     "simple", None, 5)]
    [[None], [None], [2.0], [2.0]]
    """
    k = _text(returns, "simple", "returns", ("simple", "log"))
    a, b = _two_columns(asset_prices, benchmark_prices)
    w, hl = single("window", window), single("halflife", halflife)
    if w in (None, "") and hl in (None, ""):
        return core.beta(a, b, k)
    if w not in (None, "") and hl not in (None, ""):
        raise ExcelInputError("give a window or a halflife, not both")
    if np.isnan(a).any() or np.isnan(b).any():
        i = int(np.flatnonzero(np.isnan(a) | np.isnan(b))[0])
        raise ExcelInputError(f"a rolling or EWMA beta needs both prices on every row; row "
                              f"{i + 1} is blank")
    if w not in (None, ""):
        res = core.rolling_beta(a, b, _to_float_arg("window", w), k)
    else:
        res = core.ewma_beta(a, b, _to_float_arg("halflife", hl), k)
    return [[None if np.isnan(x) else float(x)] for x in res]


def _to_float_arg(name, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ExcelInputError(f"{name} must be a number, got {value!r}") from None


@udf
def HEDGE_MV_WEIGHTS(asset_prices, *hedge_prices):
    """Minimum-variance weights of an asset on several hedge coins' prices, with the R² of the mix and of each alone (spills).

    Parameters
    ----------
    asset_prices : range
        The asset's prices in USD, one per date.
    hedge_prices : range
        One range per hedge contract's coin (e.g. BTC, then ETH), USD, on the same dates.
        A date is used only where every price is present.

    Returns
    -------
    One row per hedge: its weight (USD of that coin to short per USD of the asset), the R²
    of the whole mix, the hedge's beta alone and its R² alone.

    Examples
    --------
    An asset whose returns are half the first coin's and a quarter of the second's: the mix
    explains it all, the first coin alone three quarters:

    >>> [[round(x, 3) for x in row] for row in HEDGE_MV_WEIGHTS(
    ...     [[100], [102.25], [101.9944], [103.0143], [103.0143], [103.2719]],
    ...     [[100], [104], [101.92], [104.9776], [103.9278], [106.0064]],
    ...     [[100], [101], [104.03], [101.9494], [103.9884], [100.8687]])]
    [[0.5, 1.0, 0.34, 0.758], [0.25, 1.0, -0.071, 0.033]]
    """
    if not hedge_prices:
        raise ExcelInputError("give at least one range of hedge prices")
    a, *cols = columns(("asset_prices", asset_prices),
                       *((f"hedge_prices_{i + 1}", h) for i, h in enumerate(hedge_prices)))
    w, r2, alone = core.mv_weights(a, *cols)
    return [[float(w[i]), r2, float(alone[i, 0]), float(alone[i, 1])] for i in range(len(w))]


@udf
def HEDGE_BACKTEST(spot_qty, spot_prices, contract, hedge_ratio=1, funding_rates=None,
                   hedge_prices=None, dates=None, rebalance="daily", band=0, leverage=1,
                   beta=1):
    """What a hedge of one holding would have done over a price history: the daily table (spills).

    Parameters
    ----------
    spot_qty : number
        Coins held.
    spot_prices : range
        The holding's price in USD, one row per step (a day).
    contract : text or number
        Preset key such as BINANCE:BTCUSD_PERP, or an inverse face value in USD.
    hedge_ratio : number, optional
        Fraction of the holding to hedge; default 1.
    funding_rates : range, optional
        Funding rate over each row (the sum of the day's rates; + longs pay shorts).
    hedge_prices : range, optional
        Prices of the contract's coin when it is not the holding's (a cross-hedge, whose
        margin is that coin bought for it).
    dates : range, optional
        The rows' dates; needed for weekly or monthly rebalancing.
    rebalance : text, optional
        daily (default: every row), weekly or monthly (the first row of each week or
        month by the dates).
    band : number, optional
        Trade only when the hedge is more than this fraction off its target; default 0.
    leverage : number, optional
        Initial margin posted at each trade, as leverage: 2 posts half the USD face value;
        default 1.
    beta : number, optional
        Beta of the holding to the contract's coin; default 1.

    Returns
    -------
    One row per step: contracts held, traded, futures PnL, funding (+ received), fees and
    margin in the contract's settlement coin, 1 when below maintenance margin, and the
    unhedged and hedged values in USD. The same computation as ``hedgexl backtest``.

    Examples
    --------
    One BTC fully hedged on 100 USD contracts while the price halves:

    >>> [r[0] for r in HEDGE_BACKTEST(1, [[50000], [25000]], 100, 1, None, None, None,
    ...                               "daily", 0, 1)]
    [-500.0, -500.0]
    """
    hedge_prices, funding_rates, dates = (None if a is None or (is_one_cell(a) and single(
        "range", a) in (None, "")) else a for a in (hedge_prices, funding_rates, dates))
    given = [(n, v) for n, v in (("hedge_prices", hedge_prices),
                                 ("funding_rates", funding_rates)) if v is not None]
    p, *more = columns(("spot_prices", spot_prices), *given)
    if np.isnan(p).any():
        raise ExcelInputError(f"spot_prices row {int(np.flatnonzero(np.isnan(p))[0]) + 1} "
                              f"is blank")
    got = dict(zip((n for n, _ in given), more))
    hp = got.get("hedge_prices")
    r = np.nan_to_num(got["funding_rates"]) if "funding_rates" in got else np.zeros(p.size)
    mask = _schedule(_text(rebalance, "daily", "rebalance", ("daily", "weekly", "monthly")),
                     dates, p.size)
    num1 = {k: _to_float_arg(k, single(k, v) if single(k, v) not in (None, "") else d)
            for k, v, d in (("spot_qty", spot_qty, None), ("hedge_ratio", hedge_ratio, 1.0),
                            ("band", band, 0.0), ("leverage", leverage, 1.0),
                            ("beta", beta, 1.0))}
    key = single("contract", contract)
    bt = core.hedge_backtest(num1["spot_qty"], p, key, hedge_ratio=num1["hedge_ratio"],
                             beta=num1["beta"], hedge_prices=hp, funding_rates=r,
                             rebalance=mask, band=num1["band"], leverage=num1["leverage"])
    cols = [bt.contracts, bt.traded, bt.pnl, bt.funding, bt.fees, bt.margin,
            bt.liquidated.astype(float), bt.unhedged, bt.hedged]
    return np.column_stack(cols).tolist()


def _schedule(rule: str, dates, n: int):
    """The rebalance steps of ``rule`` on the ``dates`` range (None: every step)."""
    if rule == "daily":
        return None
    if dates is None:
        raise ExcelInputError(f"rebalance {rule} needs the dates")
    flat = cells_of(dates)
    if len(flat) != n:
        raise ExcelInputError(f"ranges of different sizes: spot_prices has {n} cells, "
                              f"dates has {len(flat)}")
    days = np.array([_day("dates", d).isoformat() for d in flat], dtype="datetime64[D]")
    return core.rebalance_schedule(days, rule)


@udf
def HEDGE_EFFECTIVENESS(asset_prices, benchmark_prices):
    """Hedge effectiveness: R² of asset returns on benchmark returns (0 to 1).

    Parameters
    ----------
    asset_prices : range
        Spot prices in USD, one per date.
    benchmark_prices : range
        Hedge (futures or benchmark) prices in USD on the same dates.

    Returns
    -------
    R², the share of the asset's return variance the hedge explains.

    Examples
    --------
    >>> round(HEDGE_EFFECTIVENESS([[100], [102], [101], [105]], [[50], [51], [50.5], [52.5]]), 12)
    1.0
    """
    return core.hedge_effectiveness(*_two_columns(asset_prices, benchmark_prices))


@udf
def HEDGE_SCENARIO(spot_qty, spot_price, contracts, contract, shocks=None, beta=1,
                   hedge_price=None):
    """Table of shock, price, spot PnL, hedge PnL and net PnL in USD (spills).

    Parameters
    ----------
    spot_qty : number or range
        Coins held, one per holding.
    spot_price : number or range
        Spot price in USD per coin, one per holding.
    contracts : number or range
        Signed hedge position in contracts, one per holding.
    contract : text, number or range
        Preset key or inverse face value in USD, one or one per holding.
    shocks : range, optional
        Price moves as fractions (−0.2 = −20 %); default −50 % to +50 % by 10 %.
    beta : number or range, optional
        Beta of each holding to the hedge's coin; default 1.
    hedge_price : number or range, optional
        Price in USD of each linear contract's coin; default the spot price.

    Returns
    -------
    One row per shock: shock, spot price after it (first holding), spot PnL, hedge PnL and
    net PnL in USD, summed over the holdings.

    Examples
    --------
    >>> HEDGE_SCENARIO(5, 50000, -625, 100, -0.15)
    [[-0.15, 42500.0, -37500.0, 9375.0, -28125.0]]
    """
    s, _ = column("spot_qty", spot_qty)
    p, _ = column("spot_price", spot_price)
    q, _ = column("contracts", contracts)
    b, _ = column("beta", 1.0 if beta is None else beta)
    sh = None
    if shocks is not None:
        sh, _ = column("shocks", shocks)
        sh = sh.ravel()[~np.isnan(sh.ravel())]
    keys = np.array(cells_of(contract), dtype=object) if isinstance(contract, (list, tuple)) \
        else contract
    flat = [np.ravel(x) for x in (s, p, q)]
    n = max(x.size for x in flat)
    ok = np.ones(n, bool)
    for x in flat:
        if x.size == n:
            ok &= ~np.isnan(x)
    pick = (lambda x: x[ok] if np.size(x) == n else x)
    hp = p if hedge_price is None else column("hedge_price", hedge_price)[0]
    hp = np.ravel(hp)
    if hp.size == n and not np.isnan(hp[ok]).all():
        hp = np.where(np.isnan(hp), 1.0, hp)  # blank rows are inverse contracts: unused
    table = core.scenario(pick(np.ravel(s)), pick(np.ravel(p)), pick(np.ravel(q)),
                          pick(keys) if np.ndim(keys) else keys, sh, pick(np.ravel(b)),
                          pick(hp))
    return table.tolist()


@udf
def HEDGE_SPEC(contract, field):
    """A field of a contract preset, e.g. "face", "lot", "taker_fee".

    Parameters
    ----------
    contract : text or number
        Preset key such as BINANCE:BTCUSD_PERP.
    field : text
        Field name: face, size, lot, tick, taker_fee, maker_fee, maint_margin, funding_hours,
        type, venue, symbol, coin, settle, multiplier, expiry (a dated future's) or like
        (the perpetual whose terms a dated future shares).

    Returns
    -------
    The field's value: USD for face, coins for size, fractions for fees and margin; the
    expiry as an Excel date-time (UTC; format the cell as a date), "none" for a perpetual.

    Examples
    --------
    >>> HEDGE_SPEC("binance:btcusd_perp", "face")
    100.0
    >>> HEDGE_SPEC("DERIBIT:ETH-29MAR24", "expiry")  # 29 March 2024, 08:00 UTC
    45380.333333333336
    """
    key = single("contract", contract)
    name = str(single("field", field)).strip().lower()
    if name == "expiry":
        when = core.expiry_of(key)
        return "none" if when is None else _serial(when)
    v = core.get_contract(key).field(name)
    if isinstance(v, float) and v != v:
        return None
    return v


#: Day 0 of Excel's date-time serials (the 1900 system, as Excel counts it after 1 March 1900).
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _serial(when) -> float:
    """An Excel date-time serial of a naive UTC datetime."""
    return (when - _EXCEL_EPOCH).total_seconds() / 86400


@udf
def HEDGE_DAYS_TO_EXPIRY(contract, valuation_time):
    """Days from a time to a dated future's settlement (fractional; the venue's hour, UTC).

    Parameters
    ----------
    contract : text
        A dated future's key: BINANCE:BTCUSD_240628, OKX:BTC-USD-240628, DERIBIT:BTC-28JUN24,
        KRAKEN:FI_XBTUSD_240628 or BITMEX:XBTM24.
    valuation_time : date, number or text
        The time to count from, UTC: an Excel date-time, or ISO text such as
        2024-01-08T11:19.

    Returns
    -------
    Days, > 0; refused (#VALUE!) for a perpetual and once the contract has expired. With
    HEDGE_BASIS(future, spot, days) it annualises the basis.

    Examples
    --------
    >>> round(HEDGE_DAYS_TO_EXPIRY("DERIBIT:ETH-26JAN24", "2024-01-08T11:19"), 4)
    17.8618
    """
    return core.days_to_expiry(single("contract", contract), _time("valuation_time",
                                                                   valuation_time))


def _time(name, value):
    """A UTC date-time from what Excel sends: a datetime, a date, a serial, or ISO text."""
    value = single(name, value)
    if isinstance(value, dt.datetime):
        t = value
    elif isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # 1900-01-01 to 9999-12-31, Excel's dates
            raise ExcelInputError(f"{name} must be an Excel date-time, got {value!r}")
        return _EXCEL_EPOCH + dt.timedelta(days=float(value))
    else:
        try:
            t = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ExcelInputError(f"{name} must be a date and time, got {value!r}") from None
    # an offset given is honoured: the time in UTC
    return t if t.tzinfo is None else t.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _live():
    """hedgexl.market.live, or one clear line when it cannot run here."""
    if __name__.split(".")[0] != "hedgexl":  # xlwings Lite's bundle: no ccxt, no venues
        raise ExcelInputError("the live data functions are not available in xlwings Lite "
                              "(see docs/market-data.md); use hedgexl fetch on a desktop and "
                              "open the file it writes")
    try:
        import ccxt  # noqa: F401
    except ImportError:
        raise ExcelInputError("the live data functions need ccxt: pip install \".[data]\" "
                              "in the hedgexl checkout (desktop Excel; see docs/market-data.md "
                              "for xlwings Lite)") from None
    from .market import live
    return live


def _live_key(contract) -> str:
    key = single("contract", contract)
    if not isinstance(key, str) or ":" not in key:
        raise ExcelInputError(f"contract must be a VENUE:SYMBOL key such as "
                              f"BINANCE:BTCUSD_PERP, got {key!r}")
    return key.strip()


def _day(name, value):
    """A date from what Excel sends: a date, a serial number, or ISO text."""
    value = single(name, value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (_EXCEL_EPOCH + dt.timedelta(days=float(value))).date()
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ExcelInputError(f"{name} must be a date, got {value!r}") from None


@udf
def HEDGE_MARK(contract):
    """The venue's mark price now, USD per coin (fetched; cached 10 s).

    Parameters
    ----------
    contract : text
        VENUE:SYMBOL key such as BINANCE:BTCUSD_PERP or OKX:BTC-USD-SWAP.

    Returns
    -------
    Mark price in USD per coin, as the venue's public API gives it now. Needs the data
    extra (ccxt) and a network that reaches the venue.

    Examples
    --------
    >>> HEDGE_MARK("BINANCE:BTCUSD_PERP")  # doctest: +SKIP
    98012.4
    """
    return _live().mark(_live_key(contract))


@udf
def HEDGE_FUNDING_RATE(contract):
    """The funding rate the venue shows now for the next funding (fetched; cached 60 s).

    Parameters
    ----------
    contract : text
        VENUE:SYMBOL key of a perpetual swap, e.g. BINANCE:BTCUSD_PERP.

    Returns
    -------
    Rate per funding interval (+ longs pay shorts; 0.0001 = 0.01 %). The interval is the
    contract's (HEDGE_SPEC(contract, "funding_hours")).

    Examples
    --------
    >>> HEDGE_FUNDING_RATE("OKX:BTC-USD-SWAP")  # doctest: +SKIP
    0.0001
    """
    return _live().funding_rate(_live_key(contract))


@udf
def HEDGE_FUNDING_HISTORY(contract, since, until=None):
    """The venue's funding since a date: time, mark price, rate (spills; cached 10 min).

    Parameters
    ----------
    contract : text
        VENUE:SYMBOL key of a perpetual swap, e.g. BINANCE:BTCUSD_PERP.
    since : date
        First date (UTC) of the history.
    until : date, optional
        Last date (UTC), included; default: up to now.

    Returns
    -------
    One row per funding, oldest first: time (UTC), mark price (USD per coin), funding rate
    per interval (+ longs pay shorts). Columns 2 and 3 feed HEDGE_FUNDING.

    Examples
    --------
    >>> HEDGE_FUNDING_HISTORY("BINANCE:BTCUSD_PERP", "2024-06-30")  # doctest: +SKIP
    [[datetime.datetime(2024, 6, 30, 0, 0), 61512.3, 0.0001], ...]
    """
    end = None if single("until", until) in (None, "") else _day("until", until)
    return _live().funding_table(_live_key(contract), _day("since", since), end)


@udf
def HEDGE_EXPLAIN(function, *args):
    """Why a HEDGE_* call gives #VALUE!: the reason in each cell, "ok" where there is none.

    Parameters
    ----------
    function : text
        Name of the HEDGE_* function, e.g. HEDGE_PNL.
    args : number, text or range
        The same arguments as that call, in the same order.

    Returns
    -------
    The call's shape: the reason where the call gives an error value, "ok" elsewhere.

    Examples
    --------
    >>> HEDGE_EXPLAIN("HEDGE_PNL", [[15000], [15000]], [[750], [-1]], 800, 1)
    [['ok'], ['entry_price must be > 0, got -1']]
    >>> HEDGE_EXPLAIN("HEDGE_NOTIONAL", "abc")
    "spot_value must be a number, got 'abc'"
    """
    name = str(single("function", function) or "").strip().upper()
    target = globals().get(name) if name in __all__ and name != "HEDGE_EXPLAIN" else None
    if target is None:
        raise ExcelInputError(f"function must be a HEDGE_* name, got {function!r}")
    res = target.values(*[single("argument", a) if is_one_cell(a) else a for a in args])

    def why(v):
        if isinstance(v, list):
            return [why(x) for x in v]
        return v.reason if isinstance(v, XlError) else "ok"
    return why(res)


def _register():
    try:
        import xlwings as xw
    except Exception:  # pragma: no cover - xlwings missing or broken: plain callables
        return
    decorate(UDFS, xw.func, xw.arg, xw.ret)


_register()
