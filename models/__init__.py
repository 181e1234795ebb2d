"""Tortoise ORM models, one module per aggregate. Data and its invariants only: no HTTP, no network."""

MODEL_MODULES = [
    "models.org",
    "models.citizen",
    "models.case",
    "models.media",
    "models.outbox",
    "models.calendar",
    "models.ops",
]
