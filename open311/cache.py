"""Rendered replies of ``GET requests``, kept briefly: what clients poll most, rendered once.

A reply is kept while nothing was published, republished or unpublished anywhere (generation
``publication`` of :mod:`hotline.generations`, raised by every transaction of
``publishing.service`` that changes a publication: an unpublished case disappears from the
next read in every process) and for at most the setting ``open311_reply_cache_s``
(HOTLINE_OPEN311_REPLY_CACHE_S: 1 s by default, 0 keeps nothing), which bounds how long a
published case's status, update time or rating (the case row's) and the edges of the default
90-day window may lag. The stamp is taken before the rows are read, so a reply is never kept under a
stamp newer than its data.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Final

from hotline import generations
from hotline import settings as settings_mod

ENTRIES: Final = 128  # distinct queries kept (the least recently stored go first)
MAX_BYTES: Final = 1 << 20  # larger replies are not kept


class Replies:
    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, tuple[Hashable, float, bytes]] = OrderedDict()

    @staticmethod
    def enabled() -> bool:
        return settings_mod.current().open311_reply_cache_s > 0

    @staticmethod
    def stamp() -> Hashable:
        return generations.stamp(generations.PUBLICATION)

    def get(self, key: Hashable, stamp: Hashable) -> bytes | None:
        hit = self._kept.get(key)
        if (hit is None or hit[0] != stamp
                or time.monotonic() - hit[1] >= settings_mod.current().open311_reply_cache_s):
            return None
        return hit[2]

    def put(self, key: Hashable, stamp: Hashable, body: bytes) -> None:
        if len(body) > MAX_BYTES or settings_mod.current().open311_reply_cache_s <= 0:
            return
        self._kept[key] = (stamp, time.monotonic(), body)
        self._kept.move_to_end(key)
        while len(self._kept) > ENTRIES:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()


replies = Replies()
