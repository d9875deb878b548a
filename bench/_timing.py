"""Timing shared by the benchmark scripts, in seconds.

:func:`paired` runs hedgexl and its floor alternately, so that a busy moment of the machine
falls on both, and quotes medians (of each side and of the pair ratios), not the best of
each side. :func:`best` stays for a side timed alone."""

import statistics
import time


def _once(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def best(fn, repeat=7):
    return min(_once(fn) for _ in range(repeat))


def paired(ours, floor, repeat=7):
    """``(median of ours, median of the floor, median of ours/floor pair by pair)``,
    the two run alternately ``repeat`` times each."""
    a, b, r = [], [], []
    for _ in range(repeat):
        t, f = _once(ours), _once(floor)
        a.append(t)
        b.append(f)
        r.append(t / f)
    return statistics.median(a), statistics.median(b), statistics.median(r)
