"""Benchmark the HEDGE_* UDFs on 10,000 rows shaped as xlwings passes them.

Run: python bench/udfs.py [--rows N]. Each range-capable function gets a nested list (one
cell per row, ndim=2) with about 1 % None. The floor, measured in the same run, is the
minimum any implementation must do: convert the nested list to numpy, the same arithmetic,
convert back to a nested list. Target: at most 3x the floor.
"""

import argparse

import numpy as np

from _timing import best
from hedgexl import udfs as U


def col(a, blanks):
    return [[None] if b else [float(x)] for x, b in zip(a, blanks)]


def floor(args, expr):
    arrs = [np.array(a, dtype=float) for a in args]
    res = expr(*arrs)
    return np.where(np.isnan(res), None, res).tolist()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000)
    n = ap.parse_args().rows
    rng = np.random.default_rng(1)
    blanks = rng.random(n) < 0.01
    value = col(rng.uniform(1e3, 1e7, n), blanks)
    p0 = col(rng.uniform(20_000, 100_000, n), blanks)
    p1 = col(rng.uniform(20_000, 100_000, n), blanks)
    q = col(-np.round(rng.uniform(1, 1e5, n)), blanks)
    rates = col(rng.normal(1e-4, 2e-4, n), blanks)
    F = 100.0
    cases = {
        "HEDGE_NOTIONAL": (lambda: U.HEDGE_NOTIONAL(value, 0.75, 1.2),
                           lambda: floor([value], lambda v: 0.75 * 1.2 * v)),
        "HEDGE_CONTRACTS": (
            lambda: U.HEDGE_CONTRACTS(value, "BINANCE:BTCUSD_PERP", 0.75),
            lambda: floor([value], lambda v: np.copysign(np.floor(np.abs(-0.75 / F * v) + 0.5),
                                                         -v))),
        "HEDGE_BETA_SIZE": (lambda: U.HEDGE_BETA_SIZE(value, 1.2, p0),
                            lambda: floor([value, p0], lambda v, p: -1.2 * v / p)),
        "HEDGE_PNL": (lambda: U.HEDGE_PNL(q, p0, p1, "BINANCE:BTCUSD_PERP"),
                      lambda: floor([q, p0, p1], lambda a, b, c: a * F * (c - b) / (b * c))),
        "HEDGE_NET_PNL": (
            lambda: U.HEDGE_NET_PNL(value, p0, p1, q, p0, p1, "BINANCE:BTCUSD_PERP"),
            lambda: floor([value, p0, p1, q], lambda s, a, b, k: s * (b - a)
                          + k * F * (b / a - 1))),
        "HEDGE_LIQ_PRICE": (
            lambda: U.HEDGE_LIQ_PRICE(q, p0, 0.5, "BINANCE:BTCUSD_PERP", 0.005),
            lambda: floor([q, p0], lambda k, p: np.abs(k) * F * 0.995
                          / (np.abs(k) * F / p - 0.5))),
        "HEDGE_FUNDING_SERIES": (
            lambda: U.HEDGE_FUNDING_SERIES(-1_000, "BINANCE:BTCUSD_PERP", p0, rates),
            lambda: floor([p0, rates], lambda m, r: np.cumsum(np.nan_to_num(1e5 / m * r)))),
    }
    print(f"rows: {n:,} as nested lists with {blanks.sum()} blanks")
    print(f"{'function':<22} {'hedgexl ms':>11} {'floor ms':>9} {'ratio':>7}")
    worst = 0.0
    for name, (ours, base) in cases.items():
        t, f = best(ours, 15), best(base, 15)
        worst = max(worst, t / f)
        print(f"{name:<22} {t * 1e3:>11.2f} {f * 1e3:>9.2f} {t / f:>6.2f}x")
    print(f"worst ratio to the floor: {worst:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
