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


def write(path: Path, text: str) -> Path:
    """``text`` into the file ``path`` (UTF-8): a test's input file. Returns the path."""
    path.write_text(text, "utf-8")
    return path


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


# xlwings' call paths, for every test that calls HEDGE_* the way Excel does (tests/xlcall.py)
@pytest.fixture(scope="module")
def com():
    """The Windows COM path (xlwings' server with its Windows modules stubbed)."""
    from hedgexl.excel import convert
    from xlcall import ComRuntime
    rt = ComRuntime()
    yield rt
    rt.close()
    convert.set_error_style("value")


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    """xlwings Lite's path: main.py as ``hedgexl lite`` writes it."""
    from hedgexl import cli
    from xlcall import LiteRuntime
    d = tmp_path_factory.mktemp("lite")
    assert cli.main(["lite", "-o", str(d)]) == 0
    return LiteRuntime(d / "main.py")


@pytest.fixture(params=["com", "lite"])
def runtime(request):
    return request.getfixturevalue(request.param)

