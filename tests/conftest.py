import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same examples every time; locally hypothesis explores.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_data():
    d = SHARED / "data"
    if not d.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return d


@pytest.fixture(autouse=True)
def _fresh_contracts():
    import hedgexl
    hedgexl.reset_contracts()
    hedgexl.reset_tiers()
    yield
    hedgexl.reset_contracts()
    hedgexl.reset_tiers()
