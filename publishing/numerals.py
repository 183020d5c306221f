"""Chinese numerals for installment numbers: 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九."""

from typing import Final

DIGITS: Final = "零一二三四五六七八九"
MAX_NUMBER: Final = 99


def chinese_numeral(n: int) -> str:
    """The numeral a newspaper prints in an installment's brackets, for 1 to 99."""
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_NUMBER:
        raise ValueError(f"installment numbers run from 1 to {MAX_NUMBER}, not {n!r}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    head = "十" if tens == 1 else DIGITS[tens] + "十"
    return head + (DIGITS[ones] if ones else "")


def installment_heading(series_title: str, n: int) -> str:
    """`某区…巡礼(三)`: the series title and the number in half-width brackets."""
    return f"{series_title}({chinese_numeral(n)})"
