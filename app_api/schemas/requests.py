"""Request bodies of the HTTP contract (API.md). Field names are fixed by the contract."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework.intake import Submission

Kind = Literal["consultation", "help", "complaint", "report", "suggestion", "praise"]

class Strict(BaseModel):
    model_config = ConfigDict(strict=True, str_strip_whitespace=True)


class PhoneIn(Strict):
    phone: str = Field(min_length=1, max_length=20)


class SmsLoginIn(Strict):
    phone: str = Field(min_length=1, max_length=20)
    code: str = Field(pattern=r"^\d{6}$")


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=2000)


class StaffLoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LocationIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    address: str | None = Field(default=None, max_length=255)
    region_code: str | None = Field(default=None, pattern=r"^\d{6}(\d{3})?$")

    @field_validator("lat", mode="before")
    @classmethod
    def _lat_number(cls, v: object) -> object:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("lng", mode="before")
    @classmethod
    def _lng_number(cls, v: object) -> object:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class CaseIn(Strict):
    kind: Kind
    category_code: str = Field(min_length=1, max_length=32)
    content: str = Field(min_length=5, max_length=5000)
    title: str | None = Field(default=None, max_length=200)
    location: LocationIn | None = None
    occurred_at: datetime | None = Field(default=None, strict=False)
    photo_ids: list[int] = Field(default_factory=list, max_length=9)
    anonymous: bool = False
    confidential: bool = False
    public: bool = False
    contact_phone: str | None = Field(default=None, max_length=20)
    channel: str | None = None  # set by the server from the client type

    def to_submission(self, channel: str, contact_name: str | None = None) -> Submission:
        loc = self.location
        return Submission(
            kind=self.kind,
            category_code=self.category_code,
            content=self.content,
            channel=channel,
            title=self.title or self.content[:30],
            lat=loc.lat if loc else None,
            lng=loc.lng if loc else None,
            address=loc.address if loc else None,
            region_code=loc.region_code if loc else None,
            occurred_at=self.occurred_at,
            photo_ids=list(self.photo_ids),
            anonymous=self.anonymous,
            confidential=self.confidential,
            public=self.public,
            contact_phone=self.contact_phone,
            contact_name=contact_name,
        )


class CitizenContactIn(Strict):
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=20)


class IntakeCaseIn(CaseIn):
    channel: Literal["phone", "letter", "visit"]  # type: ignore[assignment]
    citizen: CitizenContactIn | None = None
