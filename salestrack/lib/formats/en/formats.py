# Django's formats for English (FORMAT_MODULE_PATH): a date printed without a filter reads as
# lib.dates writes it. Input formats stay Django's, so date inputs keep ISO 8601.
from salestrack.lib.dates import DAY, MOMENT

DATE_FORMAT = DAY
DATETIME_FORMAT = MOMENT
SHORT_DATE_FORMAT = DAY
SHORT_DATETIME_FORMAT = MOMENT
