"""Resident ID numbers (GB 11643): known answers and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenants.registry import resident_id as ids

VALID = ["11010519491231002X", "34052419800101001X"]


@pytest.mark.parametrize("value", VALID)
def test_known_valid_numbers(value):
    parsed = ids.parse(value)
    assert parsed.value == value and not parsed.legacy


def test_parse_reads_birth_date_sex_and_area():
    parsed = ids.parse("11010519491231002X")
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"  # sequence 002 is even
    assert parsed.area == "110105"


def test_lower_case_x_and_spaces_are_normalised():
    assert ids.parse(" 11010519491231002x ").value == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("11010519491231002", "18"), ("1101051949123100XX", "18"), ("110105194912310021", "check"),
     ("110105194902300026", "date"), ("110105210001010015", "date")],
)
def test_invalid_numbers_say_why(app, value, reason):
    with app.test_request_context("/"):
        with pytest.raises(ids.InvalidResidentId) as error:
            ids.parse(value)
    message = str(error.value)
    assert {"18": "18 位", "check": "校验位", "date": "出生日期"}[reason] in message


def test_legacy_15_digit_numbers_are_accepted_and_flagged():
    parsed = ids.parse("110105491231002")
    assert parsed.legacy and parsed.birth_date == date(1949, 12, 31) and parsed.sex == "F"


def test_masking():
    assert ids.mask("11010519491231002X") == "110105********002X"
    assert ids.mask("110105491231002") == "110105*****1002"
    assert ids.mask(None) == ""
    assert ids.mask_name("张三") == "张*" and ids.mask_name("欧阳娜娜") == "欧***"


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1))
areas = st.from_regex(r"\A[1-6][0-9]{5}\Z")
sequences = st.integers(min_value=0, max_value=999)


def build(area: str, born: date, sequence: int) -> str:
    first = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first + ids.check_character(first)


@given(areas, birth_dates, sequences)
def test_every_well_formed_number_parses_back(area, born, sequence):
    parsed = ids.parse(build(area, born, sequence))
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if sequence % 2 else "F")


@given(areas, birth_dates, sequences, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_is_detected(area, born, sequence, position, delta):
    value = build(area, born, sequence)
    digit = (int(value[position]) + delta) % 10
    altered = value[:position] + str(digit) + value[position + 1:]
    try:
        parsed = ids.parse(altered)
    except ids.InvalidResidentId:
        return
    raise AssertionError(f"{altered} was accepted as {parsed}")


@given(st.text(max_size=20))
def test_arbitrary_text_never_crashes(text):
    try:
        ids.parse(text)
    except ids.InvalidResidentId:
        pass


@given(areas, birth_dates, sequences)
def test_mask_keeps_area_and_last_four_only(area, born, sequence):
    value = build(area, born, sequence)
    masked = ids.mask(value)
    assert masked[:6] == value[:6] and masked[-4:] == value[-4:] and set(masked[6:-4]) == {"*"}
