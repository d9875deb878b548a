"""Benchmark the HEDGE_* UDFs on 10,000 rows shaped as xlwings passes them, and per cell.

Run: python bench/udfs.py [--rows N]. Each range-capable function gets a nested list (one
cell per row, ndim=2) with about 1 % None. The floor, measured in the same run, is the
minimum any implementation must do: convert the nested list to numpy, the same arithmetic,
convert back to a nested list. Target: at most 3x the floor.

Scalar calls: a per-row formula calls a HEDGE_* once per cell. Each call goes through
xlwings' own conversion on the Windows path (``conversion.read`` of every argument with the
options the function registered, ``conversion.write`` of the result; pywin32 stubbed as in
the tests), and the floor is the same conversion around the formula in plain Python.
Target: at most 2x the floor (issue 26): a call of one number or key per argument takes
the Excel layer's per-cell path (no arrays).
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from _timing import paired
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
        t, f, ratio = paired(ours, base, 15)
        worst = max(worst, ratio)
        print(f"{name:<22} {t * 1e3:>11.2f} {f * 1e3:>9.2f} {ratio:>6.2f}x")
    print(f"worst ratio to the floor: {worst:.2f}x (target <= 3x)")
    scalar_calls()


def scalar_calls(repeat=2_000):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from xlcall import ComRuntime  # xlwings' Windows conversion, pywin32 stubbed
    from xlwings import conversion
    ComRuntime()

    def via_xlwings(fn, *args):
        info, ret = fn.__xlfunc__["args"], fn.__xlfunc__["ret"]["options"]
        conv = [info[i].get("optional") if a is None else
                conversion.read(None, a, info[i]["options"]) for i, a in enumerate(args)]
        return conversion.write(fn(*conv), None, ret)

    def plain(fn, opts, *args):
        conv = [conversion.read(None, a, {"ndim": 2} if o else {})
                for a, o in zip(args, opts)]
        return conversion.write(fn(*conv), None, {})

    F, k = 100.0, "BINANCE:BTCUSD_PERP"
    cases = {
        "HEDGE_CONTRACTS": (lambda: via_xlwings(U.HEDGE_CONTRACTS, 250_000.0, k, 0.25, None,
                                                None, None),
                            lambda: plain(lambda v, c, h: -math.floor(v[0][0] * h[0][0] / F
                                                                      + 0.5), (1, 1, 1),
                                          250_000.0, k, 0.25)),
        "HEDGE_NOTIONAL": (lambda: via_xlwings(U.HEDGE_NOTIONAL, 250_000.0, 0.25, None),
                           lambda: plain(lambda v, h: v[0][0] * h[0][0], (1, 1),
                                         250_000.0, 0.25)),
        "HEDGE_PNL": (lambda: via_xlwings(U.HEDGE_PNL, -625.0, 50_000.0, 42_500.0, k, None),
                      lambda: plain(lambda q, a, b, c: q[0][0] * F * (1 / a[0][0] - 1 / b[0][0]),
                                    (1, 1, 1, 1), -625.0, 50_000.0, 42_500.0, k)),
        "HEDGE_FEE": (lambda: via_xlwings(U.HEDGE_FEE, -625.0, 50_000.0, k, 0.0005, None),
                      lambda: plain(lambda q, p, c, r: abs(q[0][0]) * F / p[0][0] * r[0][0],
                                    (1, 1, 1, 1), -625.0, 50_000.0, k, 0.0005)),
        "HEDGE_NET_PNL": (
            lambda: via_xlwings(U.HEDGE_NET_PNL, 5.0, 50_000.0, 42_500.0, -625.0, 50_000.0,
                                42_500.0, k, None, None),
            lambda: plain(lambda s, a, b, q, c, d, e: s[0][0] * (b[0][0] - a[0][0])
                          + q[0][0] * F * (d[0][0] / c[0][0] - 1), (1,) * 7,
                          5.0, 50_000.0, 42_500.0, -625.0, 50_000.0, 42_500.0, k)),
        "HEDGE_LIQ_PRICE": (
            lambda: via_xlwings(U.HEDGE_LIQ_PRICE, 10_000.0, 50_000.0, 0.02, 1.0, 0.005),
            lambda: plain(lambda q, p, m, c, r: q[0][0] * (1 + r[0][0])
                          / (q[0][0] / p[0][0] + m[0][0]), (1,) * 5,
                          10_000.0, 50_000.0, 0.02, 1.0, 0.005)),
    }
    print(f"\nscalar calls through xlwings' conversion (medians of 7 paired runs x "
          f"{repeat:,} calls)")
    print(f"{'function':<22} {'hedgexl us':>11} {'floor us':>9} {'ratio':>7}")
    worst = 0.0
    for name, (ours, base) in cases.items():
        t, f, ratio = paired(lambda: [ours() for _ in range(repeat)],
                             lambda: [base() for _ in range(repeat)])
        t, f = t / repeat, f / repeat
        worst = max(worst, ratio)
        print(f"{name:<22} {t * 1e6:>11.1f} {f * 1e6:>9.1f} {ratio:>6.2f}x")
    print(f"worst scalar ratio to the floor: {worst:.2f}x (target <= 2x)")
    live_table(via_xlwings)


def live_table(via_xlwings, n=100_000, sample=10_000):
    """A live holdings table's Python per recalculation: three HEDGE_* a row as per-row
    formulas (timed on ``sample`` rows and scaled to ``n``), against the one spilled
    HEDGE_SIZE over whole columns that a live book of more than 2,000 holdings has (timed
    on ``n`` rows), both through xlwings' conversion. Target: at most 2 s for 100,000."""
    import time
    rng = np.random.default_rng(3)
    value = rng.uniform(1e3, 1e7, n).tolist()
    ratio = rng.uniform(0.25, 1.0, n).tolist()
    beta = rng.uniform(0.5, 1.5, n).tolist()
    k = "BINANCE:BTCUSD_PERP"
    t0 = time.perf_counter()
    for i in range(sample):
        via_xlwings(U.HEDGE_NOTIONAL, value[i], ratio[i], beta[i])
        via_xlwings(U.HEDGE_CONTRACTS, value[i], k, ratio[i], beta[i], None, None)
        via_xlwings(U.HEDGE_RESIDUAL, value[i], k, ratio[i], beta[i], None, None)
    per_row = (time.perf_counter() - t0) * n / sample
    cols = [[[x] for x in c] for c in (value, ratio, beta)]
    keys = [[k]] * n
    t0 = time.perf_counter()
    via_xlwings(U.HEDGE_SIZE, cols[0], keys, cols[1], cols[2], None, None)
    spilled = time.perf_counter() - t0
    print(f"\nlive holdings table of {n:,} rows, Python per recalculation: per-row "
          f"formulas {per_row:.1f} s (3 calls a row; timed on {sample:,} rows), one spilled "
          f"HEDGE_SIZE {spilled:.2f} s (target <= 2 s)")


if __name__ == "__main__":
    main()
