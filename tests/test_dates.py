"""Arabic publication dates: both month systems, three digit systems, invalid dates."""

from __future__ import annotations

import datetime

import pytest

from furat.dates import MONTH_NAMES, parse_arabic_date, parse_date_line

D = datetime.date


@pytest.mark.parametrize(
    ("s", "expected", "text"),
    [
        ("● أخبار سورية ١٣ نوفمبر ٢٠١٧", D(2017, 11, 13), "١٣ نوفمبر ٢٠١٧"),
        ("02 نوفمبر 2017", D(2017, 11, 2), "02 نوفمبر 2017"),
        ("5 آذار 2016", D(2016, 3, 5), "5 آذار 2016"),
        ("5 اذار 2016", D(2016, 3, 5), "5 اذار 2016"),
        ("في 3 تشرين الثاني 2015 قالت", D(2015, 11, 3), "3 تشرين الثاني 2015"),
        ("1 تشرين الأول 2015", D(2015, 10, 1), "1 تشرين الأول 2015"),
        ("25 كانون الأول 2016", D(2016, 12, 25), "25 كانون الأول 2016"),
        ("10 كانون الثاني 2017", D(2017, 1, 10), "10 كانون الثاني 2017"),
        ("۱۲ ديسمبر ۲۰۱۹", D(2019, 12, 12), "۱۲ ديسمبر ۲۰۱۹"),
        ("7 نوفمبر/تشرين الثاني 2017", D(2017, 11, 7), "7 نوفمبر/تشرين الثاني 2017"),
        ("9 أبريل 2017", D(2017, 4, 9), "9 أبريل 2017"),
        ("9 ابريل 2017", D(2017, 4, 9), "9 ابريل 2017"),
        ("9 إبريل 2017", D(2017, 4, 9), "9 إبريل 2017"),
        ("30 يونيه 2014", D(2014, 6, 30), "30 يونيه 2014"),
        ("30 يونيو 2014", D(2014, 6, 30), "30 يونيو 2014"),
        ("4 تموز 2014", D(2014, 7, 4), "4 تموز 2014"),
        ("15 آب 2013", D(2013, 8, 15), "15 آب 2013"),
        ("29 شباط 2016", D(2016, 2, 29), "29 شباط 2016"),  # leap year
        ("٢٩ ايلول، ٢٠١٥", D(2015, 9, 29), "٢٩ ايلول، ٢٠١٥"),
        ("31 شباط 2016 ثم 1 آذار 2016", D(2016, 3, 1), "1 آذار 2016"),  # first valid one
    ],
)
def test_parse_arabic_date(s: str, expected: datetime.date, text: str) -> None:
    assert parse_arabic_date(s) == (expected, text)
    assert text in s  # the matched text is returned exactly as written


@pytest.mark.parametrize(
    "s",
    [
        "31 شباط 2016",  # no such day
        "29 فبراير 2017",  # not a leap year
        "0 مارس 2017",
        "32 مارس 2017",
        "منذ مارس/آذار الماضي",  # body prose: no day, no year
        "في بداية شهر أبريل/نيسان الماضي",
        "نوفمبر 2017",  # no day
        "12 ابريلx 2017",  # month must end at a word boundary
        "5 آذار/أبريل 2016",  # contradictory alternative month
        "5 آذار 1850",  # outside 1900–2100
        "3 آلاف انتحاري",
        "",
    ],
)
def test_rejects(s: str) -> None:
    assert parse_arabic_date(s) is None


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_name_in_every_digit_system(month: int) -> None:
    for name in MONTH_NAMES[month]:
        for digits in ("0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"):
            table = str.maketrans("0123456789", digits)
            s = f"{'12'.translate(table)} {name} {'2018'.translate(table)}"
            assert parse_arabic_date(s) == (D(2018, month, 12), s), s


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("● أخبار سورية ١٣ نوفمبر ٢٠١٧", "أخبار سورية"),
        ("02 نوفمبر 2017", None),
        ("الخميس 02 نوفمبر 2017", None),
        ("نشر في: 02 نوفمبر 2017 - 10:30", None),
        ("تقارير | 02 نوفمبر 2017", "تقارير"),
    ],
)
def test_parse_date_line(line: str, label: str | None) -> None:
    found = parse_date_line(line)
    assert found is not None
    assert found.date == D(2017, 11, 2) or found.date == D(2017, 11, 13)
    assert found.label == label


@pytest.mark.parametrize(
    "line",
    [
        "قصف دير الزور 3 آذار 2016",  # a headline that contains a date is not a date line
        "قالت مصادر محلية إن القصف بدأ في 3 آذار 2016 واستمر أياماً طويلة في المدينة",
        "منذ مارس/آذار الماضي",
    ],
)
def test_parse_date_line_rejects(line: str) -> None:
    assert parse_date_line(line) is None
