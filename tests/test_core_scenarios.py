"""core/scenarios.py: the hedged and unhedged book across price shocks."""

from __future__ import annotations

import numpy as np
from helpers_core import close

import hedgexl as hx


def test_scenario_seed000():
    t = hx.scenario(5, 50_000, -625, 100)
    assert t.shape == (11, 5)
    row = t[np.isclose(t[:, 0], -0.5)][0]
    assert close(row[2], -125_000) and close(row[3], 31_250) and close(row[4], -93_750)
    assert np.allclose(t[:, 4], t[:, 2] + t[:, 3])
