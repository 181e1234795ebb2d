"""Partner systems: other systems with an API key and scopes (110 transfers, a unit's own OA
system, Open311 clients). ``admin`` administers them, ``keys`` authenticates their requests,
``targets`` checks their webhook URLs."""
