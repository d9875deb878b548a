"""Progress of a long fetch: a tqdm bar per series on a terminal, silence elsewhere."""

from __future__ import annotations

import sys

__all__ = ["bars"]


def bars(stream=None):
    """A factory ``bar(label)`` of callbacks ``(done, total)``; None when ``stream`` (stderr
    by default) is not a terminal or tqdm is missing."""
    stream = sys.stderr if stream is None else stream
    if not stream.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None

    def bar(label):
        state = {}

        def update(done, total):
            b = state.get("bar")
            if b is None:
                b = state["bar"] = tqdm(total=total, desc=label, unit="request", file=stream,
                                        leave=False, ncols=90)
            b.total = total
            b.n = done
            b.refresh()
            if done >= total:
                b.close()
        return update
    return bar
