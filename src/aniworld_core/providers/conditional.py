"""Conditional requests: a provider's answer that carried ``ETag`` or ``Last-Modified`` is kept
(in memory, within a byte budget, least recently used first out), and the same request later
asks ``If-None-Match`` / ``If-Modified-Since``. An answer ``304 Not Modified`` then costs no body:
the kept one is the answer. Only successful (2xx) answers are kept: an error is never data.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

import attrs
import httpx

#: Bytes of kept answers per provider, at most; a larger answer is not kept.
BUDGET = 8 * 1024 * 1024
LARGEST = 1024 * 1024


@attrs.frozen
class Kept:
    """An answer kept for conditional requests."""

    etag: str | None
    last_modified: str | None
    content: bytes

    def validators(self) -> dict[str, str]:
        """The headers that ask whether it changed."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def request_key(path: str, params: Mapping[str, str | int] | None) -> str:
    """What identifies a GET request among a provider's: its path and sorted parameters."""
    if not params:
        return path
    return f"{path}?{httpx.QueryParams(sorted((k, str(v)) for k, v in params.items()))}"


class ConditionalCache:
    """Kept answers of one provider, by :func:`request_key`."""

    def __init__(self, budget: int = BUDGET, largest: int = LARGEST) -> None:
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._budget = budget
        self._largest = min(largest, budget)
        self.size = 0

    def get(self, key: str) -> Kept | None:
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
        return kept

    def keep(self, key: str, response: httpx.Response) -> None:
        """Keep a successful answer that can be asked about again; forget what was kept for
        ``key`` when it cannot."""
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        self.forget(key)
        if not (etag or modified) or not response.is_success:
            return
        content = response.content
        if len(content) > self._largest:
            return
        self._kept[key] = Kept(etag, modified, content)
        self.size += len(content)
        while self.size > self._budget:
            _, oldest = self._kept.popitem(last=False)
            self.size -= len(oldest.content)

    def forget(self, key: str) -> None:
        kept = self._kept.pop(key, None)
        if kept is not None:
            self.size -= len(kept.content)

    def __len__(self) -> int:
        return len(self._kept)
