"""`streams.jsonio`: orjson where it is exact, the standard library where it is not."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams import jsonio

#: The regex `jsonio.has_long_number` answers like (its oracle here).
_LONG_NUMBER = re.compile(rb"[0-9]{19}")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_round_trip_matches_the_standard_library(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False).encode()
    assert jsonio.loads(text) == json.loads(text)
    assert json.loads(jsonio.dumps(value)) == value


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**30, -(10**19), 18446744073709551616])
def test_integers_beyond_64_bits_are_exact_both_ways(number: int) -> None:
    text = json.dumps({"n": number, "s": "é"}).encode()
    assert jsonio.loads(text) == {"n": number, "s": "é"}
    assert jsonio.dumps({"n": number}) == f'{{"n":{number}}}'.encode()


def test_output_is_compact_utf8() -> None:
    assert jsonio.dumps({"a": [1, "ü"], "b": None}) == '{"a":[1,"ü"],"b":null}'.encode()


@pytest.mark.parametrize("text", [b'{"a": NaN}', b"[Infinity]", b"-Infinity"])
def test_non_json_constants_are_refused(text: bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        jsonio.loads(text)


def test_malformed_json_and_bad_utf8_raise_the_standard_errors() -> None:
    with pytest.raises(json.JSONDecodeError) as malformed:
        jsonio.loads(b'{"a": 1')
    assert malformed.value.colno == 8
    with pytest.raises(UnicodeDecodeError) as bad:
        jsonio.loads(b'{"a": "\xff"}')
    assert bad.value.start == 7


@given(st.binary(max_size=200) | st.text(alphabet="0123456789a -.e", max_size=80).map(str.encode))
def test_the_long_number_check_answers_as_the_regex(raw: bytes) -> None:
    assert jsonio.has_long_number(raw) == (_LONG_NUMBER.search(raw) is not None)


@pytest.mark.parametrize(
    ("raw", "long"),
    [
        (b"", False),
        (b"1" * 18, False),
        (b"1" * 19, True),
        (b'{"a": -9999999999999999999}', True),
        (b'{"a": 123456789012345678.5}', False),
        (b"\xef\xbc\x91" * 19, False),  # fullwidth digits are not JSON digits
        (b"x" * 5000 + b"0" * 19, True),
        (bytes(range(256)) * 2, False),
    ],
)
def test_long_numbers_are_found_anywhere(raw: bytes, long: bool) -> None:
    assert jsonio.has_long_number(raw) is long
    assert (_LONG_NUMBER.search(raw) is not None) is long
