"""The last topic of each chat, for a while, so that "and at night?" makes sense.

People talk in turns: after "should I take it with meals?" comes "what if I
don't?". The engine resolves such a follow-up against the previous topic
(`Engine.reply(..., last_topic=...)`); this is where adapters keep that
topic. Memory only, never on disk: an entry id per chat, forgotten after
`ttl` seconds, the oldest dropped beyond `capacity` chats. The clock is a
parameter (monotonic seconds), so tests need no sleeping.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

TTL_SECONDS = 600.0
CAPACITY = 10_000  # chats remembered at once: about 1 MB


class LastTopics:
    """chat id -> (entry id, when), bounded and expiring; thread-safe."""

    def __init__(self, ttl: float = TTL_SECONDS, capacity: int = CAPACITY) -> None:
        self._ttl = ttl
        self._capacity = max(1, capacity)
        self._items: OrderedDict[int, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, chat_id: int, now: float) -> str | None:
        """The chat's last topic if it is recent enough, else None."""
        with self._lock:
            item = self._items.get(chat_id)
            if item is None:
                return None
            topic, at = item
            if now - at > self._ttl:
                del self._items[chat_id]
                return None
            return topic

    def remember(self, chat_id: int, topic: str, now: float) -> None:
        with self._lock:
            self._items[chat_id] = (topic, now)
            self._items.move_to_end(chat_id)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        with self._lock:
            self._items.pop(chat_id, None)

    def __len__(self) -> int:
        return len(self._items)
