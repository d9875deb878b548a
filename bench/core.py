"""Benchmark the core on one million rows against a bare numpy expression and a Python loop.

Run: python bench/core.py [--rows N]. Prints, for each formula, the time of hedgexl's
vectorised function, the bare numpy expression of the same formula (the floor) and a Python
loop over the scalar function (on a sample, scaled up), all measured in this run, and the
ratios. The target is hedgexl within 1.5x of the bare numpy expression.
"""

import argparse

import numpy as np

import hedgexl as hx
from _timing import best


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--loop-sample", type=int, default=20_000)
    args = ap.parse_args()
    n = args.rows
    rng = np.random.default_rng(0)
    value = rng.uniform(1e3, 1e7, n)
    p0 = rng.uniform(20_000, 100_000, n)
    p1 = p0 * rng.uniform(0.5, 1.5, n)
    q = -np.round(rng.uniform(1, 1e5, n))
    rates = rng.normal(1e-4, 2e-4, n)
    F, h, b = 100.0, 0.75, 1.2
    k = args.loop_sample

    cases = {
        "contract sizing": (
            lambda: hx.hedge_contracts(value, "BINANCE:BTCUSD_PERP", h, b),
            lambda: np.copysign(np.floor(np.abs(-(h * b) / F * value) + 0.5), -value),
            lambda: [hx.hedge_contracts(float(v), "BINANCE:BTCUSD_PERP", h, b)
                     for v in value[:k]],
            lambda: np.array_equal(hx.hedge_contracts(value, 100, h, b),
                                   np.copysign(np.floor(np.abs(-(h * b) / F * value) + 0.5),
                                               -value)),
        ),
        "inverse PnL": (
            lambda: hx.inverse_pnl(q, p0, p1, F),
            lambda: q * F * (p1 - p0) / (p0 * p1),
            lambda: [hx.inverse_pnl(float(a), float(c), float(d), F)
                     for a, c, d in zip(q[:k], p0[:k], p1[:k])],
            lambda: np.allclose(hx.inverse_pnl(q, p0, p1, F), q * F * (p1 - p0) / (p0 * p1)),
        ),
        "funding accrual": (
            lambda: hx.funding_series(-1_000.0, "BINANCE:BTCUSD_PERP", p0, rates),
            lambda: np.cumsum(1_000.0 * F / p0 * rates),
            lambda: np.cumsum([hx.funding_total(-1_000.0, 100, float(m), float(r))
                               for m, r in zip(p0[:k], rates[:k])]),
            lambda: np.allclose(hx.funding_series(-1_000.0, 100, p0, rates),
                                np.cumsum(1_000.0 * F / p0 * rates)),
        ),
    }
    print(f"rows: {n:,}  (Python loop timed on {k:,} rows and scaled)")
    print(f"{'formula':<16} {'hedgexl ms':>11} {'numpy ms':>9} {'loop ms':>10} "
          f"{'vs numpy':>9} {'vs loop':>9} {'same':>5}")
    worst = 0.0
    for name, (ours, bare, loop, same) in cases.items():
        t_ours, t_bare = best(ours), best(bare)
        t_loop = best(loop, repeat=1) * n / k
        ratio = t_ours / t_bare
        worst = max(worst, ratio)
        print(f"{name:<16} {t_ours * 1e3:>11.2f} {t_bare * 1e3:>9.2f} {t_loop * 1e3:>10.0f} "
              f"{ratio:>8.2f}x {t_loop / t_ours:>8.0f}x {str(bool(same())):>5}")
    print(f"worst ratio to bare numpy: {worst:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
