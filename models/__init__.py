"""Tortoise ORM models, one module per aggregate: data and its invariants, no HTTP, no network."""

MODEL_MODULES = [
    "models.org",
    "models.citizen",
    "models.case",
    "models.media",
    "models.outbox",
    "models.calendar",
    "models.ops",
    "models.wechat",
    "models.reward",
    "models.audit",
    "models.knowledge",
    "models.follow",
    "models.publishing",
    "models.partner",
]
