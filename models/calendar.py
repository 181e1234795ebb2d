"""The working calendar: statutory holidays and make-up working days, by year."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CalendarDay(Model):
    """A day that is a holiday or a make-up working day (every other day follows Monday-Friday)."""

    date = fields.DateField(primary_key=True)
    working = fields.BooleanField()
    name = fields.CharField(max_length=64, default="")

    class Meta:
        table = "calendar_day"


class CalendarYear(Model):
    """A year whose official data is loaded (days of other years are provisional)."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    source = fields.CharField(max_length=64, default="chinese_calendar")
    loaded_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "calendar_year"
