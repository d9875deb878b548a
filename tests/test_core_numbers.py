"""core/numbers.py: the number grammar every input goes through (percent only where a ratio or
rate is read)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hedgexl.core.numbers import parse_number


def _grouped(n: int, sep: str) -> str:
    s = f"{n:,}"
    return s.replace(",", sep)


def test_percent_is_read_in_ratios_and_rates_only():
    assert parse_number("75%", what="hedge_ratio") == 0.75
    assert parse_number("50 %", what="hedge_ratio") == 0.5
    assert parse_number("0,01%", what="funding_rate", decimal=",") == 0.0001
    with pytest.raises(ValueError, match="% is read only in rates and ratios"):
        parse_number("75%", what="quantity")
    with pytest.raises(ValueError, match="% is read only in rates and ratios"):
        parse_number("75%", what="price")


@given(st.integers(-10**15, 10**15), st.integers(0, 999_999), st.sampled_from([".", ","]),
       st.booleans())
def test_what_the_grammar_accepts_round_trips(whole, frac, decimal, grouped):
    """A number written in the grammar (grouped or not, either decimal mark) reads back as
    the number it was written from."""
    group = "," if decimal == "." else "."
    sign = "-" if whole < 0 else ""
    digits = _grouped(abs(whole), group) if grouped else str(abs(whole))
    text = f"{sign}{digits}{decimal}{frac:06d}"
    expected = float(f"{sign}{abs(whole)}.{frac:06d}")
    assert parse_number(text, decimal=decimal) == expected


@given(st.text(alphabet="0123456789 _$()%,.-+eE€", min_size=1, max_size=12))
def test_what_the_grammar_refuses_names_the_value(text):
    """Whatever is refused says what it was and the text; whatever is accepted is a finite
    number that Python's own float reads from the text without its grouping."""
    assume(text.strip())
    try:
        x = parse_number(text, what="quantity")
    except ValueError as e:
        assert str(e).startswith("quantity must be a") and repr(text.strip()[:40])[1:-1][:8] \
            in str(e)
        return
    assert math.isfinite(x)
    assert x == float(text.strip().replace(",", ""))


def test_excel_ranges_of_text_go_through_the_grammar():
    import hedgexl.udfs as U
    got = U.HEDGE_NOTIONAL([["2_500"], ["1000"], ["nan"]], 1, 1)
    assert str(got[0][0]).startswith("#VALUE!") and got[1][0] == 1000.0
    assert str(got[2][0]).startswith("#VALUE!")
