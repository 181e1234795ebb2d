"""The authenticated caller, as every service sees it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    kind: str  # "citizen" | "staff" | "device"
    id: int
    channel: str | None = None  # for citizens and devices: the intake channel
    roles: frozenset[str] = field(default_factory=frozenset)
    unit_id: int | None = None
    unit_path: str | None = None
    issued_at: float | None = None  # the access token's ``iat`` (citizens: checked by deps)
    name: str | None = None  # staff: the username (the audit log's actor)
    # staff: an administrator reset the password; only changing it is allowed until then
    must_change_password: bool = False

    @property
    def scope_key(self) -> str:
        """Identity used to scope idempotency keys and rate limits."""
        return f"{self.kind}:{self.id}"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def covers(self, unit_path: str | None) -> bool:
        """Whether a staff member's unit subtree contains the given unit path."""
        return bool(self.unit_path and unit_path and unit_path.startswith(self.unit_path))
