"""A citizen's rights over their personal data (PIPL arts. 45 and 47).

- ``export``: everything the platform holds about the caller, as one JSON document
  (``GET /me/export``).
- ``erasure``: the account is erased (``DELETE /me``): identity gone, cases kept on record
  without it, open reward claims withdrawn, pending messages cancelled, in one transaction.

It sits beside ``rewards`` in the layering: it may import models, casework, rewards, notify
and media, and nothing imports it but the API.
"""
