"""inputs/schema.py: one declared contract per input file, the readers' and docs/inputs.md's."""

from __future__ import annotations

from pathlib import Path
from hedgexl.inputs import (
    example_path,
)


# --- the declared contracts --------------------------------------------------------------
def test_docs_inputs_is_generated_from_the_declared_contracts():
    from hedgexl.inputs.schema import render
    doc = Path(__file__).resolve().parents[1] / "docs" / "inputs.md"
    assert doc.read_text() == render() + "\n", "docs/inputs.md is stale: run `hedgexl docs " \
                                               "--inputs --force`"


def test_the_declared_contracts_are_the_ones_the_readers_use():
    """The core reads contracts and tiers files itself: their declared columns must be its
    own; the readers of user files take theirs from the schema."""
    from hedgexl.core.contracts import SPEC_FIELDS
    from hedgexl.inputs import HOLDING_ALIASES, POSITION_ALIASES, schema
    assert {c.name for c in schema.CONTRACTS.columns} == set(SPEC_FIELDS) - {"multiplier"}
    bundled = example_path("margin_tiers.csv").read_text().splitlines()[0].split(",")
    assert [c.name for c in schema.TIERS.columns] == bundled
    assert HOLDING_ALIASES == schema.HOLDINGS.aliases()
    assert POSITION_ALIASES == schema.POSITIONS.aliases()
