"""Field validators: examples and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sahaya.backend.validators import (
    ValidationFailure,
    aadhaar_hash,
    fold_digits,
    mask_aadhaar,
    validate_aadhaar,
    validate_amount,
    validate_consumer_number,
    validate_date,
    validate_mobile,
    validate_name,
    validate_past_date,
    validate_pincode,
    validate_text,
    validate_value,
    verhoeff_check_digit,
    verhoeff_valid,
)

from .helpers import VALID_AADHAAR, make_aadhaar

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11).filter(lambda s: s[0] not in "01")


def code_of(fn, *args) -> tuple:
    with pytest.raises(ValidationFailure) as info:
        fn(*args)
    return info.value.code, info.value.params


# --- Verhoeff -------------------------------------------------------------------

def test_verhoeff_known_values():
    # Published Verhoeff example: 236 -> check digit 3
    assert verhoeff_check_digit("236") == "3"
    assert verhoeff_valid("2363")
    assert not verhoeff_valid("2364")


@pytest.mark.parametrize("number", ["999999990019", "499118665246", "999941057058"])
def test_published_sample_aadhaar_numbers_validate(number):
    # UIDAI sandbox / widely published sample numbers (not real people)
    assert verhoeff_valid(number) and validate_aadhaar(number) == number


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_appending_the_check_digit_always_validates(digits):
    assert verhoeff_valid(digits + verhoeff_check_digit(digits))


@given(eleven_digits, st.integers(0, 11), st.integers(1, 9))
def test_any_single_digit_change_is_caught(body, position, delta):
    number = body + verhoeff_check_digit(body)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert not verhoeff_valid(changed)


@given(eleven_digits, st.integers(0, 10))
def test_any_adjacent_transposition_is_caught(body, position):
    number = body + verhoeff_check_digit(body)
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2:]
    assert not verhoeff_valid(swapped)


# --- Aadhaar --------------------------------------------------------------------

@given(eleven_digits, st.sampled_from(["", " ", "-"]))
def test_valid_aadhaar_normalises_to_12_digits(body, sep):
    number = body + verhoeff_check_digit(body)
    typed = sep.join([number[:4], number[4:8], number[8:]])
    assert validate_aadhaar(typed) == number


def test_aadhaar_errors():
    assert code_of(validate_aadhaar, VALID_AADHAAR[:11]) == (
        "aadhaar_length", {"expected": 12, "got": 11})
    bad_check = VALID_AADHAAR[:11] + str((int(VALID_AADHAAR[11]) + 1) % 10)
    assert code_of(validate_aadhaar, bad_check)[0] == "aadhaar_checksum"
    assert code_of(validate_aadhaar, make_aadhaar("13412341234"))[0] == "aadhaar_invalid"
    assert code_of(validate_aadhaar, "2341 abcd 2346")[0] == "aadhaar_invalid"


def test_aadhaar_in_telugu_and_devanagari_digits():
    telugu = "".join("౦౧౨౩౪౫౬౭౮౯"[int(d)] for d in VALID_AADHAAR)
    devanagari = "".join("०१२३४५६७८९"[int(d)] for d in VALID_AADHAAR)
    assert validate_aadhaar(telugu) == VALID_AADHAAR
    assert validate_aadhaar(devanagari) == VALID_AADHAAR


def test_aadhaar_mask_and_hash():
    assert mask_aadhaar(VALID_AADHAAR) == f"XXXX XXXX {VALID_AADHAAR[-4:]}"
    h = aadhaar_hash("k", VALID_AADHAAR)
    assert len(h) == 64 and VALID_AADHAAR not in h and h != aadhaar_hash("other", VALID_AADHAAR)


# --- mobile, PIN, dates ----------------------------------------------------------

@pytest.mark.parametrize("typed", ["9876543210", "+91 98765 43210", "919876543210", "098765-43210",
                                   "౯౮౭౬౫౪౩౨౧౦"])
def test_mobile_forms(typed):
    assert validate_mobile(typed) == "9876543210"


@pytest.mark.parametrize("typed,reason", [("98765", "length"), ("5876543210", "prefix"),
                                          ("98765x3210", "characters")])
def test_mobile_errors(typed, reason):
    code, params = code_of(validate_mobile, typed)
    assert code == "mobile_invalid" and params["reason"] == reason


@given(st.integers(6, 9), st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_indian_mobile_is_accepted(first, rest):
    assert validate_mobile(f"+91{first}{rest}") == f"{first}{rest}"


def test_pincode():
    assert validate_pincode("522 001") == "522001"
    assert code_of(validate_pincode, "022001")[0] == "pincode_invalid"
    assert code_of(validate_pincode, "52200")[1]["got"] == 5


def test_dates():
    assert validate_date("15-08-1990") == "1990-08-15"
    assert validate_date("1990-08-15") == "1990-08-15"
    assert validate_date("15/8/1990") == "1990-08-15"
    assert validate_date("౧౫.౦౮.౧౯౯౦") == "1990-08-15"
    # The month by name, as people write it, in each language.
    for written in ["15 August 1990", "15th aug 1990", "August 15, 1990", "15 ఆగస్టు 1990", "१५ अगस्त १९९०", "15 agast 1990"]:
        assert validate_date(written) == "1990-08-15", written
    assert code_of(validate_date, "15 marks 1990")[0] == "date_invalid"
    assert code_of(validate_date, "31-02-1990")[0] == "date_invalid"
    assert code_of(validate_date, "yesterday")[0] == "date_invalid"
    assert code_of(validate_date, "01-01-1800")[0] == "date_invalid"
    tomorrow = date.today() + timedelta(days=2)
    assert code_of(validate_past_date, tomorrow.isoformat())[0] == "date_in_future"
    assert validate_past_date("2000-01-01") == "2000-01-01"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_any_real_date_round_trips(day):
    assert validate_date(day.strftime("%d-%m-%Y")) == day.isoformat()


# --- names ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Ravi Kumar", "రవి కుమార్", "रवि कुमार", "K. Srinivasa Rao",
                                  "శ్రీనివాస్‌ రావు", "José Dsouza"])
def test_names_in_three_scripts(name):
    assert validate_name(f"  {name}  ") == name


@pytest.mark.parametrize("name,reason", [("R", "length"), ("Ravi 2", "characters"),
                                         ("రవి।", "characters"), ("x" * 81, "length"),
                                         ("Ravi_Kumar", "characters"), ("...", "length"),
                                         ("Рави", "characters")])
def test_bad_names(name, reason):
    code, params = code_of(validate_name, name)
    assert code == "name_invalid" and params["reason"] == reason


_letters = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz") + list("అఆఇఈఉకఖగఘచజటడతదనపబమయరలవసహ")
                           + list("अआइईउकखगघचजटडतदनपबमयरलवसह"))


@given(st.lists(st.text(_letters, min_size=1, max_size=12), min_size=1, max_size=4))
def test_generated_names_are_accepted_and_stable(words):
    name = " ".join(words)
    if not 2 <= len(name) <= 80:
        return
    assert validate_name(name) == name
    assert validate_name(validate_name(name)) == name


# --- others -----------------------------------------------------------------------

def test_text_and_amount_and_consumer_number():
    assert validate_text("  hello ") == "hello"
    assert code_of(validate_text, "   ")[0] == "text_empty"
    assert code_of(validate_text, "x" * 501) == ("text_too_long", {"max": 500, "got": 501})
    assert validate_amount("₹ 1,20,000") == "120000"
    assert validate_amount("Rs. 1500.5") == "1500.50"
    assert code_of(validate_amount, "12.345")[0] == "amount_invalid"
    assert validate_consumer_number("ap 39 ab-1234") == "AP39AB1234"
    assert code_of(validate_consumer_number, "ab")[0] == "consumer_number_invalid"


def test_choice_needs_the_field(catalogue):
    caste = catalogue.fields["caste"]
    assert validate_value("choice", "bc", caste) == "bc"
    assert validate_value("choice", "బీసీ", caste) == "bc"
    assert validate_value("choice", "2", caste) == "bc"
    assert code_of(validate_value, "choice", "zz", caste)[0] == "choice_invalid"
    assert code_of(validate_value, "choice", "bc", None)[0] == "choice_unknown_field"
    assert code_of(validate_value, "colour", "x")[0] == "unknown_field_type"


@settings(max_examples=200)
@given(st.sampled_from(["name", "aadhaar", "mobile", "pincode", "date", "past_date", "text",
                        "number", "amount", "consumer_number", "document"]), st.text(max_size=60))
def test_validators_never_crash(field_type, value):
    """Any input either normalises or fails with a machine code."""
    try:
        result = validate_value(field_type, value)
    except ValidationFailure as exc:
        assert exc.code and isinstance(exc.params, dict)
    else:
        assert isinstance(result, str)


def test_fold_digits():
    assert fold_digits("౧౨౩ १२३ 123") == "123 123 123"
