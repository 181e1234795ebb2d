"""Pydantic models of the HTTP contract: request bodies and replies, one module per audience.

Field names are fixed by the contract (docs/API.md); descriptions are in Chinese and every
model carries an example, so /openapi.json is enough to build a client.
"""

from app_api.schemas.requests import (
    CaseIn,
    CitizenContactIn,
    IntakeCaseIn,
    Kind,
    LocationIn,
    PhoneIn,
    RefreshIn,
    SmsLoginIn,
    StaffLoginIn,
    Strict,
)

__all__ = [
    "CaseIn",
    "CitizenContactIn",
    "IntakeCaseIn",
    "Kind",
    "LocationIn",
    "PhoneIn",
    "RefreshIn",
    "SmsLoginIn",
    "StaffLoginIn",
    "Strict",
]
