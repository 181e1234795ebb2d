"""Partner systems: other systems with an API key and scopes (110 transfers, a unit's own OA
system, Open311 clients). ``admin`` administers them, ``rotation`` rotates and revokes their keys
and webhook secrets, ``keys`` authenticates their requests, ``targets`` checks their webhook URLs;
``inbound`` files and reads their cases, ``acting`` runs a unit OA's steps; ``events`` writes
their webhooks into the outbox with each case event, ``delivery`` sends them (the notify
worker's ``webhook`` channel), ``signing`` signs them, ``deliveries`` lists and replays them."""
