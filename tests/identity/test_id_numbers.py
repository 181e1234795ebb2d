"""GB 11643 ID numbers: check character, birth date, region; normalising and masking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hotline.crypto import mask_id_number, mask_name
from hotline.errors import ValidationProblem
from identity.id_numbers import normalize
from tests.identity.ids import check_char, id_number


def refused(raw: str, why: str, today: date | None = None) -> None:
    with pytest.raises(ValidationProblem) as exc:
        normalize(raw, today=today)
    assert exc.value.code == "invalid_id_number" and why in exc.value.detail, exc.value.detail


def test_the_standards_own_example_and_computed_numbers_pass():
    assert normalize("11010519491231002X") == "11010519491231002X"
    for region, born, seq in [("330106", "19900307", "123"), ("440305", "20000229", "001"),
                              ("650102", "19581001", "998"), ("810000", "19971231", "555")]:
        number = id_number(region, born, seq)
        assert normalize(number) == number


def test_a_lower_case_x_spaces_and_full_width_digits_are_normalised():
    assert normalize(" 11010519491231002x ") == "11010519491231002X"
    assert normalize("110105 19491231 002X") == "11010519491231002X"
    assert normalize("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


def test_a_wrong_check_character_is_refused():
    good = id_number()
    wrong = next(c for c in "0123456789X" if c != good[-1])
    refused(good[:17] + wrong, "校验码")
    refused("110105194912310021", "校验码")


def test_the_birth_date_must_exist_and_not_lie_ahead_or_too_far_back():
    refused(id_number(born="19900230"), "出生日期不存在")
    refused(id_number(born="20011301"), "出生日期不存在")
    refused(id_number(born="20230229"), "出生日期不存在")  # not a leap year
    tomorrow = date.today() + timedelta(days=1)
    refused(id_number(born=tomorrow.strftime("%Y%m%d")), "晚于今天")
    refused(id_number(born="18500101"), "过早")
    today = date(2026, 12, 1)
    assert normalize(id_number(born="20261201"), today=today)
    refused(id_number(born="20261202"), "晚于今天", today=today)


def test_length_characters_and_region_are_checked():
    refused("", "18 位")
    refused(id_number()[:17], "18 位")
    refused(id_number() + "1", "18 位")
    refused("11010519491231002Y", "末位")
    refused("1101051949123100X2", "前 17 位")
    for region in ("000000", "990101", "100101", "330000"):
        first17 = region + "19900307123"
        refused(first17 + check_char(first17), "地区码")


def test_masks_keep_the_region_and_the_last_four_and_the_ends_of_a_name():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_name("王小明") == "王*明"
    assert mask_name("王明") == "王*"
    assert mask_name("欧阳明华") == "欧**华"
    assert mask_name("明") == "*"
    assert mask_name(None) is None and mask_id_number(None) is None
