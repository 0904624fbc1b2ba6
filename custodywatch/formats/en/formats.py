"""English conventions for this product: dates no reader can misread. Django's American defaults
mixed "12/02/2026" (2 December or 12 February?) with "Dec. 2, 2026"; here a long date is written
day, month name, year ("2 December 2026"), as British and international English write it, and a
short date is ISO ("2026-12-02"), the order of the exports and of what <input type="date"> sends.
A 24-hour clock, as in Kazakh and Russian. Numbers keep the English point and comma."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# ISO first (what <input type="date"> sends and what the imports read), then the day-first dots of
# Kazakh and Russian paperwork. No month-first US form: 02/12/2026 would be read as February.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2006-10-25'
    "%d.%m.%Y",  # '25.10.2006'
    "%d.%m.%y",  # '25.10.06'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
