"""Timing shared by the benchmark scripts: the best of several runs, in seconds."""

import time


def best(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
