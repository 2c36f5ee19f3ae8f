"""Tests for jingzhun.registry.identity (pure Python, no Django needed)."""

from __future__ import annotations

import dataclasses
import datetime
import pickle
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2

from jingzhun.registry.identity import (
    PERMIT_AREA_CODES,
    InvalidResidentId,
    InvalidUSCC,
    ResidentId,
    is_known_area_code,
    is_rural_collective,
    known_area_codes,
    make_resident_id,
    parse_resident_id,
    parse_uscc,
    upgrade_15,
)

TODAY = datetime.date(2024, 6, 1)


def with_check(body17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check character (computed by stdnum)."""
    assert len(body17) == 17
    return body17 + mod_11_2.calc_check_digit(body17)


def bad_check(body17: str) -> str:
    """Append a deliberately wrong check character."""
    good = mod_11_2.calc_check_digit(body17)
    return body17 + ("1" if good != "1" else "2")


def reason_of(text: str, **kwargs) -> str:
    with pytest.raises(InvalidResidentId) as excinfo:
        parse_resident_id(text, **kwargs)
    exc = excinfo.value
    assert isinstance(exc, ValueError)
    assert str(exc) == exc.message and exc.message
    assert exc.message_zh and exc.message_zh != exc.message
    return exc.reason


# --------------------------------------------------------------------------
# Valid numbers
# --------------------------------------------------------------------------


def test_well_known_sample():
    rid = parse_resident_id("11010519491231002X")
    assert rid.number == "11010519491231002X"
    assert rid.birth_date == datetime.date(1949, 12, 31)
    assert rid.sex == "F"
    assert rid.area_code == "110105"
    assert rid.warnings == []
    assert rid.is_permit is False
    assert rid.masked == "1101**********002X"


def test_stdnum_doc_sample():
    rid = parse_resident_id("360426199101010071")
    assert rid.sex == "M"
    assert rid.birth_date == datetime.date(1991, 1, 1)
    assert rid.area_code == "360426"


def test_constructed_dongcheng_number():
    number = with_check("11010119800229123")  # 1980 is a leap year
    rid = parse_resident_id(number, today=TODAY)
    assert rid.number == number
    assert rid.birth_date == datetime.date(1980, 2, 29)
    assert rid.sex == "M"  # order code 123: 17th digit 3 is odd
    assert rid.area_code == "110101"
    assert rid.warnings == []


@pytest.mark.parametrize("digit", "0123456789")
def test_sex_parity(digit):
    rid = parse_resident_id(with_check("1101011980010112" + digit))
    assert rid.sex == ("M" if int(digit) % 2 else "F")


def test_lower_case_x_normalised():
    rid = parse_resident_id("11010519491231002x")
    assert rid.number == "11010519491231002X"


def test_surrounding_whitespace_stripped():
    rid = parse_resident_id(" \t11010519491231002X\n")
    assert rid.number == "11010519491231002X"


def test_full_width_input():
    rid = parse_resident_id("\u3000１１０１０５１９４９１２３１００２Ｘ\u3000")
    assert rid.number == "11010519491231002X"
    rid = parse_resident_id("１１０１０５１９４９１２３１００２ｘ")
    assert rid.number == "11010519491231002X"


def test_masking():
    rid = parse_resident_id("440305198501081512")
    assert rid.masked == "4403**********1512"
    assert len(rid.masked) == 18


def test_repr_does_not_leak_full_number():
    rid = parse_resident_id("440305198501081512")
    assert "440305198501081512" not in repr(rid)
    assert "4403**********1512" in repr(rid)
    assert str(rid) == "440305198501081512"


def test_result_is_frozen_and_hashable():
    rid = parse_resident_id("11010519491231002X")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rid.number = "x"  # type: ignore[misc]
    assert hash(rid) == hash(parse_resident_id("11010519491231002X"))
    assert rid == parse_resident_id("11010519491231002x")
    assert isinstance(rid, ResidentId)


def test_boundary_dates_accepted():
    assert parse_resident_id(with_check("11010518800101001")).birth_date == (
        datetime.date(1880, 1, 1)
    )
    rid = parse_resident_id(with_check("11010520240601001"), today=TODAY)
    assert rid.birth_date == TODAY


def test_leap_day_in_leap_year_accepted():
    rid = parse_resident_id(with_check("11010520000229002"), today=TODAY)
    assert rid.birth_date == datetime.date(2000, 2, 29)


# --------------------------------------------------------------------------
# 15-digit numbers
# --------------------------------------------------------------------------


def test_15_digit_upgrade():
    rid = parse_resident_id("110105491231002")
    assert rid.number == "11010519491231002X"
    assert rid.birth_date == datetime.date(1949, 12, 31)
    assert rid.sex == "F"
    assert rid.warnings == ["15-digit number upgraded to 18 digits"]


def test_15_digit_full_width_and_male():
    rid = parse_resident_id(" ４４０３０５８５０１０８１５１ ")
    assert rid.number[:17] == "44030519850108151"
    assert rid.sex == "M"
    assert "15-digit number upgraded to 18 digits" in rid.warnings


def test_upgrade_15_helper():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    assert upgrade_15(" 360426910101007 ") == "360426199101010071"
    assert stdnum_ric.is_valid(upgrade_15("440305850108151"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("11010549123100", "length"),
        ("11010519491231002X", "length"),
        ("11010549123100X", "format"),
    ],
)
def test_upgrade_15_errors(text, reason):
    with pytest.raises(InvalidResidentId) as excinfo:
        upgrade_15(text)
    assert excinfo.value.reason == reason


def test_15_digit_invalid_date():
    assert reason_of("110105490229002") == "date"  # 1949-02-29


def test_15_digit_unknown_area():
    assert reason_of("999999491231002") == "area"


# --------------------------------------------------------------------------
# Each reason
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "12345",
        "11010519491231002",  # 17
        "11010519491231002XX",  # 19
        "1101051949123100",  # 16
        "110105 19491231002X",  # internal spaces are not stripped
        "110105-19491231-002X",
    ],
)
def test_reason_length(text):
    assert reason_of(text) == "length"


@pytest.mark.parametrize(
    "text",
    [
        "1101051949123100AX",
        "11010519491231X021",  # X only allowed last
        "A1010519491231002X",
        "11010519491231002Y",
        "11010549123100X",  # 15-digit form must be all digits
        "11010519491231\u0660\u0660\u0662X",  # Arabic-Indic digits
    ],
)
def test_reason_format(text):
    assert reason_of(text) == "format"


@pytest.mark.parametrize(
    "body",
    [
        "11010519490229002",  # Feb 29 in a non-leap year
        "11010519000229002",  # 1900 is not a leap year
        "11010519491301002",  # month 13
        "11010519490001002",  # month 0
        "11010519490431002",  # April 31
        "11010519490100002",  # day 0
        "11010518791231002",  # before 1880
    ],
)
def test_reason_date(body):
    assert reason_of(with_check(body), today=TODAY) == "date"


def test_future_birth_date_rejected():
    assert reason_of(with_check("11010520240602001"), today=TODAY) == "date"
    with pytest.raises(InvalidResidentId) as excinfo:
        parse_resident_id(with_check("11010530000101001"))  # real today
    assert excinfo.value.reason == "date"
    assert "future" in str(excinfo.value)


def test_feb_29_message():
    with pytest.raises(InvalidResidentId) as excinfo:
        parse_resident_id(with_check("11010519490229002"))
    assert "1949-02-29" in str(excinfo.value)
    assert "1949-02-29" in excinfo.value.message_zh


def test_reason_checksum():
    assert reason_of("110105194912310021") == "checksum"
    assert reason_of("360426199101010072") == "checksum"
    assert reason_of("11010519491231020X") == "checksum"  # transposed 0 and 2
    assert reason_of("11010519491213002X") == "checksum"  # transposed 3 and 1


@pytest.mark.parametrize("area", ["999999", "000000", "110199", "830001", "840000"])
def test_reason_area(area):
    assert reason_of(with_check(area + "19800101001")) == "area"


# --------------------------------------------------------------------------
# Order of reasons
# --------------------------------------------------------------------------


def test_order_date_before_checksum():
    # bad date AND bad checksum -> "date"
    assert reason_of(bad_check("11010519490229002")) == "date"


def test_order_checksum_before_area():
    assert reason_of(bad_check("99999919800101001")) == "checksum"


def test_order_date_before_area():
    assert reason_of(with_check("99999919490229002")) == "date"


def test_order_format_before_date():
    assert reason_of("1101051949AB31002X") == "format"


def test_order_length_before_format():
    assert reason_of("ABCDEFG") == "length"


# --------------------------------------------------------------------------
# Area codes and GB/T 2260 editions
# --------------------------------------------------------------------------


def test_loc_dat_has_expected_anji_entries():
    db = numdb.get("cn/loc")
    old = dict(db.info("332130")[1][1])
    assert old["county"] == "[-1983]安吉县"
    new = dict(db.info("330523")[1][1])
    assert new["county"] == "[1983-]安吉县"
    # 332228 (guessed in the brief) is not a code in any edition
    assert db.info("332228")[1][1] == {}


def test_code_only_in_old_edition_accepted():
    rid = parse_resident_id(with_check("33213019750301002"), today=TODAY)
    assert rid.area_code == "332130"
    assert rid.warnings == []


def test_old_code_after_abolition_warns():
    rid = parse_resident_id(with_check("33213019900301002"), today=TODAY)
    assert rid.warnings == ["area code 332130 did not exist in birth year 1990"]


def test_current_code_before_it_existed_warns():
    rid = parse_resident_id(with_check("33052319750301002"), today=TODAY)
    assert rid.area_code == "330523"
    assert rid.warnings == ["area code 330523 did not exist in birth year 1975"]


def test_current_code_in_range_no_warning():
    assert parse_resident_id(with_check("33052319830301002")).warnings == []
    assert parse_resident_id(with_check("33052320000301002")).warnings == []


def test_code_with_gap_in_use():
    # 330502: [1983-1987]城区,[2003-]吴兴区
    assert parse_resident_id(with_check("33050219850101001")).warnings == []
    assert parse_resident_id(with_check("33050220050101001")).warnings == []
    assert parse_resident_id(with_check("33050219950101001")).warnings == [
        "area code 330502 did not exist in birth year 1995"
    ]


def test_15_digit_upgrade_and_area_warning_both_reported():
    rid = parse_resident_id("330523750301002")
    assert rid.warnings == [
        "15-digit number upgraded to 18 digits",
        "area code 330523 did not exist in birth year 1975",
    ]


@pytest.mark.parametrize("area", sorted(PERMIT_AREA_CODES))
def test_residence_permits(area):
    # born long before 1997/1999: still no warning for permits
    rid = parse_resident_id(with_check(area + "19600101001"), today=TODAY)
    assert rid.is_permit is True
    assert rid.area_code == area
    assert rid.warnings == []
    assert rid.sex == "M"


def test_permit_codes():
    assert PERMIT_AREA_CODES == {"810000", "820000", "830000"}
    assert all(is_known_area_code(code, 1950) for code in PERMIT_AREA_CODES)


def test_known_area_codes():
    codes = known_area_codes()
    assert {"110105", "330523", "332130", "810000", "830000"} <= codes
    assert "330523" not in known_area_codes(1975)
    assert "332130" in known_area_codes(1975)
    assert is_known_area_code("330523")
    assert not is_known_area_code("330523", 1975)
    assert not is_known_area_code("999999")
    assert all(len(code) == 6 and code.isdigit() for code in codes)


def test_module_does_not_import_django():
    code = (
        "import sys, jingzhun.registry.identity as m; "
        "m.parse_resident_id('11010519491231002X'); "
        "assert not any(n == 'django' or n.startswith('django.') "
        "for n in sys.modules), 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_exception_attributes_and_pickle():
    with pytest.raises(InvalidResidentId) as excinfo:
        parse_resident_id("12345")
    exc = excinfo.value
    assert exc.reason == "length"
    assert "18" in str(exc)
    assert "18" in exc.message_zh
    clone = pickle.loads(pickle.dumps(exc))
    assert (clone.reason, clone.message, clone.message_zh) == (
        exc.reason,
        exc.message,
        exc.message_zh,
    )


def test_non_string_rejected():
    with pytest.raises(TypeError):
        parse_resident_id(11010519491231002)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# make_resident_id
# --------------------------------------------------------------------------

AREA_SAMPLE = [
    "110101",
    "110105",
    "330523",
    "332130",
    "330502",
    "440305",
    "650102",
    "540102",
    "810000",
    "820000",
    "830000",
]


@settings(database=None)
@given(
    area=st.sampled_from(AREA_SAMPLE),
    birth_date=st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)),
    sequence=st.integers(0, 99),
    sex=st.sampled_from(["M", "F"]),
)
def test_make_resident_id_round_trip(area, birth_date, sequence, sex):
    number = make_resident_id(area, birth_date, sequence, sex)
    assert len(number) == 18
    assert stdnum_ric.calc_check_digit(number) == number[-1]
    rid = parse_resident_id(number)
    assert rid.number == number
    assert rid.area_code == area
    assert rid.birth_date == birth_date
    assert rid.sex == sex
    assert rid.is_permit == (area in PERMIT_AREA_CODES)
    assert number[14:16] == f"{sequence:02d}"
    assert all(w.startswith("area code ") for w in rid.warnings)


@settings(database=None)
@given(
    area=st.sampled_from(sorted(known_area_codes())),
    birth_date=st.dates(datetime.date(1880, 1, 1), datetime.date.today()),
    sequence=st.integers(0, 99),
    sex=st.sampled_from(["M", "F"]),
)
def test_make_resident_id_any_known_code_parses(area, birth_date, sequence, sex):
    rid = parse_resident_id(make_resident_id(area, birth_date, sequence, sex))
    assert (rid.area_code, rid.birth_date, rid.sex) == (area, birth_date, sex)


def test_make_resident_id_known_value():
    assert make_resident_id("110105", datetime.date(1949, 12, 31), 0, "F")[:16] == (
        "1101051949123100"
    )
    number = make_resident_id("110105", datetime.date(1949, 12, 31), 0, "F")
    assert parse_resident_id(number).sex == "F"


def test_make_resident_id_accepts_datetime():
    number = make_resident_id("110105", datetime.datetime(1990, 5, 6, 7, 8), 5, "M")
    assert parse_resident_id(number).birth_date == datetime.date(1990, 5, 6)


@pytest.mark.parametrize(
    ("area", "birth_date", "sequence", "sex"),
    [
        ("999999", datetime.date(1990, 1, 1), 1, "M"),
        ("11010", datetime.date(1990, 1, 1), 1, "M"),
        (110105, datetime.date(1990, 1, 1), 1, "M"),
        ("110105", datetime.date(1879, 12, 31), 1, "M"),
        ("110105", datetime.date.today() + datetime.timedelta(days=1), 1, "M"),
        ("110105", datetime.date(1990, 1, 1), 100, "M"),
        ("110105", datetime.date(1990, 1, 1), -1, "M"),
        ("110105", datetime.date(1990, 1, 1), 1, "X"),
        ("110105", datetime.date(1990, 1, 1), "1", "M"),
    ],
)
def test_make_resident_id_bad_arguments(area, birth_date, sequence, sex):
    with pytest.raises(ValueError):
        make_resident_id(area, birth_date, sequence, sex)


# --------------------------------------------------------------------------
# USCC
# --------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def reference_uscc_check(body17: str) -> str:
    """Independent GB 32100-2015 check character: weights 3**i mod 31."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(body17: str) -> str:
    return body17 + stdnum_uscc.calc_check_digit(body17)


def uscc_reason(text: str) -> str:
    with pytest.raises(InvalidUSCC) as excinfo:
        parse_uscc(text)
    exc = excinfo.value
    assert isinstance(exc, ValueError)
    assert str(exc) == exc.message and exc.message_zh
    return exc.reason


@settings(database=None)
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_stdnum_uscc_check_matches_reference(body):
    assert stdnum_uscc.calc_check_digit(body) == reference_uscc_check(body)
    assert parse_uscc(make_uscc(body)) == make_uscc(body)


def test_uscc_known_examples():
    assert make_uscc("91110000600037341") == "91110000600037341L"
    assert parse_uscc("91110000600037341L") == "91110000600037341L"
    assert parse_uscc("91350100M000100Y43") == "91350100M000100Y43"


def test_uscc_normalisation():
    assert parse_uscc("  91350100m000100y43 ") == "91350100M000100Y43"
    assert parse_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_uscc_rural_collective():
    code = make_uscc("N2330523MA2B3C4D5")
    assert parse_uscc(code) == code
    assert is_rural_collective(code)
    assert is_rural_collective(" " + code.lower())
    assert not is_rural_collective("91110000600037341L")
    # stdnum's own validate() rejects these (it wants 8 leading digits)
    assert not stdnum_uscc.is_valid(code)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9111000060003734",
        "91110000600037341",
        "91110000600037341LL",
        "9111 0000 6000 3734 1L",
        "9111-0000600037341L",
    ],
)
def test_uscc_reason_length(text):
    assert uscc_reason(text) == "length"


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "!", "中"])
def test_uscc_reason_format(bad):
    assert uscc_reason("9111000060003734" + bad + "L") == "format"


def test_uscc_reason_checksum():
    assert uscc_reason("91110000600037341M") == "checksum"
    assert uscc_reason("91350100M000100Y44") == "checksum"


def test_uscc_order_of_reasons():
    assert uscc_reason("9111000060003734I") == "length"  # 17 chars, also bad format
    assert uscc_reason("9111000060003734IX") == "format"  # bad format and checksum


def test_make_resident_ids_equals_make_resident_id_one_by_one():
    import numpy as np

    from jingzhun.registry.identity import make_resident_id, make_resident_ids

    codes = ["522633", "431125", "110101"]
    rng = np.random.default_rng(7)
    n = 5000
    index = rng.integers(0, len(codes), n)
    days = (np.datetime64("1880-01-01") + rng.integers(0, 50_000, n)).astype("datetime64[D]")
    days[:2] = [np.datetime64("1880-01-01"), np.datetime64("2000-02-29")]
    seq, male = rng.integers(0, 100, n), rng.integers(0, 2, n).astype(bool)
    ids = make_resident_ids(codes, index, days, seq, male)
    assert ids == [make_resident_id(codes[i], d, s, "M" if m else "F") for i, d, s, m in zip(index, days.tolist(), seq.tolist(), male, strict=True)]
    assert all(parse_resident_id(x).number == x for x in ids[:200])
    as_bytes = make_resident_ids(codes, index, days, seq, male, as_bytes=True)
    assert as_bytes.dtype == np.dtype("S18") and [b.decode() for b in as_bytes.tolist()] == ids
    with pytest.raises(ValueError):
        make_resident_ids(codes, [0], np.array(["1879-12-31"], dtype="datetime64[D]"), [1], [True])
    with pytest.raises(ValueError):
        make_resident_ids(codes, [0], np.array(["1990-01-01"], dtype="datetime64[D]"), [100], [True])
    with pytest.raises(ValueError):
        make_resident_ids(["999999"], [0], np.array(["1990-01-01"], dtype="datetime64[D]"), [1], [True])
