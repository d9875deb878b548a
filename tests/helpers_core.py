"""What the core's test files share: a relative tolerance, hypothesis' prices and face
values, and the bundled margin tiers read with the csv module (a second lookup, separate
from hedgexl.core.tiers)."""

from __future__ import annotations

import csv
import math
from importlib import resources

import pytest
from hypothesis import strategies as st

REL = 1e-9

price = st.floats(1.0, 1e6, allow_nan=False)
face = st.sampled_from([1.0, 10.0, 100.0])


def close(a, b, rel=REL):
    return a == pytest.approx(b, rel=rel, abs=1e-12)


def tier_rows(key):
    """The tiers of ``key`` read from the bundled CSV with the csv module: a second
    lookup, separate from hedgexl.core.tiers."""
    text = resources.files("hedgexl").joinpath("data/margin_tiers.csv").read_text("utf-8")
    rows = [r for r in csv.DictReader(text.splitlines()) if r["contract"] == key]
    return [(float(r["cap"]) if r["cap"] else math.inf, float(r["maint_rate"]),
             float(r["maint_amount"]), float(r.get("maint_slope") or 0)) for r in rows]
