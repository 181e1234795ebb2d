"""Citizens following a case they did not file ("me too", 我也遇到), and their ratings.

A follower gets the case's progress messages (without the reporter's data) and may rate each
reply round. The reporter's own rating (``models.case.Rating``) drives the case; a follower's
rating is an extra satisfaction data point, counted in the statistics only.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class CaseFollow(Model):
    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="follows", on_delete=fields.CASCADE
    )
    case_id: int
    citizen: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Citizen", related_name="follows", on_delete=fields.CASCADE
    )
    citizen_id: int
    created_at = fields.DatetimeField()

    class Meta:
        table = "case_follow"
        unique_together = (("case", "citizen"),)
        indexes = (("citizen_id", "id"),)


class FollowerRating(Model):
    """A follower's rating of one reply round: 1 非常不满意 .. 5 非常满意."""

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Case", related_name="follower_ratings", on_delete=fields.CASCADE
    )
    case_id: int
    citizen: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Citizen", related_name="follower_ratings", on_delete=fields.CASCADE
    )
    citizen_id: int
    round = fields.IntField()
    score = fields.IntField()
    comment = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "follower_rating"
        unique_together = (("case", "citizen", "round"),)
