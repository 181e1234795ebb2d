"""ID numbers for tests, with their check character computed here (ISO 7064 MOD 11-2, written
out independently of identity.id_numbers)."""

from __future__ import annotations


def check_char(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def id_number(region: str = "330106", born: str = "19900307", seq: str = "123") -> str:
    first17 = region + born + seq
    return first17 + check_char(first17)
