import pytest

from publishing.numerals import chinese_numeral, installment_heading


@pytest.mark.parametrize(
    ("n", "numeral"),
    [
        (1, "一"),
        (2, "二"),
        (3, "三"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (15, "十五"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (30, "三十"),
        (45, "四十五"),
        (90, "九十"),
        (99, "九十九"),
    ],
)
def test_chinese_numeral(n, numeral):
    assert chinese_numeral(n) == numeral


def test_chinese_numerals_one_to_ninety_nine_are_all_different():
    numerals = [chinese_numeral(n) for n in range(1, 100)]
    assert len(set(numerals)) == 99
    assert numerals[:12] == [
        "一",
        "二",
        "三",
        "四",
        "五",
        "六",
        "七",
        "八",
        "九",
        "十",
        "十一",
        "十二",
    ]


@pytest.mark.parametrize("n", [0, -1, 100, 1.0, True, "3"])
def test_chinese_numeral_outside_one_to_ninety_nine_is_refused(n):
    with pytest.raises(ValueError, match="1 to 99"):
        chinese_numeral(n)


def test_installment_heading_uses_half_width_brackets():
    heading = installment_heading("某区文明城市创建优秀案例巡礼", 21)
    assert heading == "某区文明城市创建优秀案例巡礼(二十一)"
