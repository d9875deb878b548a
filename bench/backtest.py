"""Benchmark the backtest: many policies × a year of 8-hour steps × a book of holdings.

Run: python bench/backtest.py [--policies 1000] [--steps 1095] [--holdings 25]

Prints, measured in this run:
- hedgexl: :func:`hedgexl.hedge_backtest`, one call per contract, with the policies and the
  holdings hedged on that contract as lanes, keeping the hedged and unhedged values;
- the floor: the same recurrence written as bare numpy over all lanes at once (no checks,
  no per-column storage but the hedged value), the target being hedgexl within 2x of it;
- a Python loop that calls hedgexl's scalar functions step by step, on a sample of lanes
  scaled up, the target being hedgexl at least 100x faster; and, for reference, the same
  loop hand-written on floats with no calls (about 30x slower than hedgexl);
- the peak memory of the process (the target: within 1 GB);
and checks that the three give the same hedged values.

Data: seeded random-walk prices (daily volatility ~3 %) and funding rates; policies are
hedge ratios × no-trade bands × rebalance every step, daily or weekly.
"""

import argparse
import math
import resource
import sys
import time

import numpy as np

import hedgexl as hx
from _timing import best

CONTRACTS = ["BINANCE:BTCUSD_PERP", "BINANCE:ETHUSD_PERP"]  # face 100 and 10 USD


def make(policies, steps, holdings, seed=0):
    rng = np.random.default_rng(seed)
    vol = 0.03 / math.sqrt(3)
    P = 100.0 * np.exp(np.cumsum(rng.normal(0, vol, (steps, holdings)), axis=0))
    P[:, 0] *= 500  # holding 0 is BTC, holding 1 ETH: hedged in their own coin
    P[:, 1] *= 30
    coins = np.stack([P[:, 0], P[:, 1]], axis=1)  # BTC and ETH prices
    which = np.arange(holdings) % 2  # the contract of each holding
    H = coins[:, which]
    r = rng.normal(1e-4, 1e-4, steps)
    qty = rng.uniform(10, 1_000, holdings)
    qty[:2] = [50, 800]
    beta = rng.uniform(0.8, 1.6, holdings)
    beta[:2] = 1.0
    cross = np.arange(holdings) >= 2
    n_h = max(1, policies // 20)
    ratios = np.repeat(np.linspace(0.05, 1.0, n_h), policies // n_h + 1)[:policies]
    bands = np.tile(np.linspace(0, 0.3, 20), policies // 20 + 1)[:policies]
    times = np.datetime64("2024-01-01T00") + np.arange(steps) * np.timedelta64(8, "h")
    rules = [hx.rebalance_schedule(times, k) for k in ("every", "daily", "weekly")]
    reb = np.stack([rules[i % 3] for i in range(policies)], axis=1)
    return dict(P=P, H=H, r=r, qty=qty, beta=beta, cross=cross, which=which, ratios=ratios,
                bands=bands, reb=reb)


def groups(d):
    """The holdings hedgexl runs in one call: ``(contract key, cross, holding indices)``."""
    for c, key in enumerate(CONTRACTS):
        for cross in (False, True):
            j = np.flatnonzero((d["which"] == c) & (d["cross"] == cross))
            if j.size:
                yield key, cross, j


def run_hedgexl(d):
    """One call per (contract, own coin or cross): lanes (policies, holdings)."""
    total = 0.0
    unhedged = 0.0
    for key, cross, j in groups(d):
        bt = hx.hedge_backtest(
            d["qty"][j], d["P"][:, None, j], key,
            hedge_ratio=d["ratios"][:, None], beta=d["beta"][j],
            hedge_prices=d["H"][:, None, j], funding_rates=d["r"][:, None, None],
            rebalance=d["reb"][:, :, None], band=d["bands"][:, None], leverage=2.0,
            cross=cross, keep=("hedged", "unhedged"))
        total = total + bt.hedged.sum(axis=2)
        unhedged = unhedged + bt.unhedged.sum(axis=2)
    return total, unhedged


def specs():
    s = [hx.get_contract(k) for k in CONTRACTS]
    return (np.array([x.face_usd for x in s]), np.array([x.taker_fee for x in s]),
            np.array([x.maint_margin for x in s]))


def run_numpy(d):
    """The floor: the recurrence in bare numpy, every lane (policy × holding) at once."""
    face, fee_rate, _ = specs()
    T, n = d["P"].shape
    F = face[d["which"]][None, :]
    phi = fee_rate[d["which"]][None, :]
    cross = d["cross"][None, :]
    coef = -(d["ratios"][:, None] * d["beta"][None, :] * d["qty"][None, :]) / F
    hkb = d["ratios"][:, None] * d["beta"][None, :] / F
    band = d["bands"][:, None]
    shape = coef.shape
    q = np.zeros(shape)
    E = np.zeros(shape)
    m = np.zeros(shape)
    Dc = np.zeros(shape)
    cost = np.zeros(shape)
    out = np.empty((T,) + shape)
    for t in range(T):
        P, H = d["P"][t][None, :], d["H"][t][None, :]
        u = 1.0 / H
        if t:
            flow = q * F * (u_prev - u) - q * F * u * d["r"][t]
            E += flow
            m += flow
        raw = np.where(cross, coef * P, coef * P - hkb * E * H)
        target = np.copysign(np.floor(np.abs(raw) + 0.5), raw)
        dq = target - q
        move = d["reb"][t][:, None] & (np.abs(dq) > band * np.abs(target))
        dq *= move
        fee = np.abs(dq) * F * u * phi
        q += dq
        E -= fee
        dep = (np.abs(q) * F * u / 2.0 - (m - fee)) * move
        m += dep - fee
        Dc += dep
        cost += dep * H
        out[t] = E * H + np.where(cross, Dc * H - cost, 0.0)
        u_prev = u
    return (out + d["qty"][None, None, :] * d["P"][:, None, :]).sum(axis=2)


def run_loop(d, lanes):
    """The recurrence as a Python loop over scalars, for ``lanes`` (policy, holding)."""
    face, fee_rate, _ = specs()
    T = d["P"].shape[0]
    res = {}
    for k, j in lanes:
        F, phi = float(face[d["which"][j]]), float(fee_rate[d["which"][j]])
        h, b, S = float(d["ratios"][k]), float(d["beta"][j]), float(d["qty"][j])
        band, cross = float(d["bands"][k]), bool(d["cross"][j])
        q = E = m = Dc = cost = 0.0
        vals = []
        for t in range(T):
            P, H = float(d["P"][t, j]), float(d["H"][t, j])
            if t:
                flow = q * F * (1 / Hp - 1 / H) - q * F / H * float(d["r"][t])
                E += flow
                m += flow
            raw = -h * b * S * P / F - (0.0 if cross else h * b * E * H / F)
            target = math.copysign(math.floor(abs(raw) + 0.5), raw)
            if d["reb"][t, k] and abs(target - q) > band * abs(target):
                dq = target - q
                fee = abs(dq) * F / H * phi
                q = target
                E -= fee
                dep = abs(q) * F / H / 2.0 - (m - fee)
                m += dep - fee
                Dc += dep
                cost += dep * H
            vals.append(S * P + E * H + (Dc * H - cost if cross else 0.0))
            Hp = H
        res[(k, j)] = vals
    return res


def run_loop_api(d, lanes):
    """The recurrence as a Python loop that calls hedgexl's scalar functions (as a notebook
    would: hedge_contracts, inverse_pnl, funding_payments, trading_fee, initial_margin)."""
    T = d["P"].shape[0]
    res = {}
    for k, j in lanes:
        key = CONTRACTS[d["which"][j]]
        h, b, S = float(d["ratios"][k]), float(d["beta"][j]), float(d["qty"][j])
        band, cross = float(d["bands"][k]), bool(d["cross"][j])
        q = E = m = Dc = cost = 0.0
        vals = []
        for t in range(T):
            P, H = float(d["P"][t, j]), float(d["H"][t, j])
            if t:
                flow = hx.inverse_pnl(q, Hp, H, hx.get_contract(key).face_usd) + \
                    hx.funding_payments(q, key, H, float(d["r"][t]))
                E += flow
                m += flow
            value = S * P if cross else S * P + E * H / b
            target = hx.hedge_contracts(value, key, h, b)
            if d["reb"][t, k] and abs(target - q) > band * abs(target):
                fee = hx.trading_fee(target - q, H, key)
                q = target
                E -= fee
                dep = hx.initial_margin(q, H, key, 2.0) - (m - fee)
                m += dep - fee
                Dc += dep
                cost += dep * H
            vals.append(S * P + E * H + (Dc * H - cost if cross else 0.0))
            Hp = H
        res[(k, j)] = vals
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=1095)
    ap.add_argument("--holdings", type=int, default=25)
    ap.add_argument("--loop-lanes", type=int, default=25)
    ap.add_argument("--api-lanes", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    d = make(args.policies, args.steps, args.holdings)
    lanes = args.policies * args.holdings
    print(f"{args.policies} policies x {args.steps} steps x {args.holdings} holdings "
          f"({lanes:,} lanes, {lanes * args.steps / 1e6:,.1f} M lane-steps)")

    ours, unhedged = run_hedgexl(d)
    floor = run_numpy(d)
    rng = np.random.default_rng(1)
    sample = [(int(k), int(j)) for k, j in zip(rng.integers(0, args.policies, args.loop_lanes),
                                               rng.integers(0, args.holdings, args.loop_lanes))]
    t0 = time.perf_counter()
    loop = run_loop(d, sample)
    t_loop = (time.perf_counter() - t0) * lanes / len(sample)
    api_sample = sample[:args.api_lanes]
    t0 = time.perf_counter()
    loop_api = run_loop_api(d, api_sample)
    t_api = (time.perf_counter() - t0) * lanes / len(api_sample)
    same = np.allclose(ours, floor, rtol=1e-9)
    # the loop's lanes: hedgexl's per-holding values of those lanes
    per = {}
    for key, cross, j in groups(d):
        js = [(k, jj) for k, jj in sample if jj in set(j.tolist())]
        if js:
            ks = np.array([k for k, _ in js])
            jj = np.array([x for _, x in js])
            bt = hx.hedge_backtest(
                d["qty"][jj], d["P"][:, jj], key, hedge_ratio=d["ratios"][ks],
                beta=d["beta"][jj], hedge_prices=d["H"][:, jj], funding_rates=d["r"][:, None],
                rebalance=d["reb"][:, ks], band=d["bands"][ks], leverage=2.0, cross=cross,
                keep=("hedged",))
            for i, lane in enumerate(js):
                per[lane] = bt.hedged[:, i]
    same_loop = all(np.allclose(per[lane], loop[lane], rtol=1e-9) for lane in sample) and \
        all(np.allclose(per[lane], loop_api[lane], rtol=1e-9) for lane in api_sample)

    t_ours = best(lambda: run_hedgexl(d), args.repeat)
    t_floor = best(lambda: run_numpy(d), args.repeat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    var_red = 1 - np.var(np.diff(ours, axis=0) / ours[:-1], axis=0) / \
        np.var(np.diff(unhedged, axis=0) / unhedged[:-1], axis=0)
    print(f"{'hedgexl.hedge_backtest':<28} {t_ours:9.3f} s")
    print(f"{'bare numpy (the floor)':<28} {t_floor:9.3f} s   hedgexl / floor = "
          f"{t_ours / t_floor:5.2f}x (target <= 2x)")
    print(f"{'Python loop over hedgexl':<28} {t_api:9.1f} s   loop / hedgexl = "
          f"{t_api / t_ours:7.0f}x (target >= 100x)")
    print(f"{f'  scalar functions ({len(api_sample)} lanes,':<28} scaled up)")
    print(f"{'hand-written float loop':<28} {t_loop:9.1f} s   loop / hedgexl = "
          f"{t_loop / t_ours:7.0f}x (for reference: no checks, no calls)")
    print(f"{f'  ({len(sample)} lanes, scaled up)':<28}")
    print(f"peak memory {peak_mb:,.0f} MB (target <= 1,024 MB)")
    print(f"same hedged values: numpy floor {same}, Python loop {same_loop}")
    print(f"variance reduction across policies: {np.nanmin(var_red):.1%} to "
          f"{np.nanmax(var_red):.1%}")
    ok = same and same_loop and t_ours / t_floor <= 2 and t_api / t_ours >= 100 and \
        peak_mb <= 1024
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
