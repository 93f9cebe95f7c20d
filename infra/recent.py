"""A bounded memory of recent keys: the newest ``capacity`` are kept, the oldest forgotten first.

For what must outlive a session for a while (that it ended, so a late record about it is
told so or ignored) without growing with every session ever seen.
"""

from __future__ import annotations

from collections import OrderedDict


class RecentKeys:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self.capacity:
            self._keys.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)
