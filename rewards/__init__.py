"""Rewards for verified reports (五水共治 and others): programmes, claims, decisions, payouts.

Built on casework through ``casework.hooks`` (``rewards.hooks`` registers; casework never
imports this package), so claims open and are decided inside casework's own transactions:

* ``programs`` — programmes (categories, period, budget, tiers by verified severity, a share of
  the fine with a cap, monthly limits per citizen, claim deadline); the demo 五水共治 one.
* ``claims`` — a claim opens with a real-name citizen's ``report`` in a rewardable category
  (anonymous or unverified citizens: filed, no claim); sets ``REWARD_FLAG`` on the case, which
  masks the reporter from everyone but reward administrators; follows merge/reject/answer.
* ``eligibility`` + ``dedupe`` — the unit's reply (``verified``/``severity``/``fine``) makes the
  claim eligible, ineligible (with a reason; staff of the responsible unit are excluded) or a
  duplicate of the earliest verified report of the same problem (merged, nearby in the same
  category within the window, or a near-identical photo), by indexed searches.
* ``fraud`` — signals that make a claim need two administrators.
* ``decisions`` + ``budget`` — approve (four eyes above a threshold or when flagged) or deny;
  budget and monthly limits are atomic conditional writes, never overspent.
* ``payouts``, ``jobs``, ``provider``, ``wechat_pay``, ``manual`` — WeChat Pay transfers sent by
  a worker after the commit, idempotent by our trade number and queried before any retry;
  manual payouts against a claim code (only its hash kept) that expire and release the budget.
* ``audit`` — every claim and payout change is an event, hash chained per claim.
* ``queries``, ``views``, ``export`` — what administrators and reporters see; CSV for finance.
"""
