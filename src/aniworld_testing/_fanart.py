"""Fake fanart.tv: ``GET /v3/tv/{tvdb_id}?api_key=``.

Keyed by TVDB id only. Every value is a string, as fanart.tv sends it; kinds with no images are
left out; a show without any artwork is a 404 ``{"status":"error","error message":"Not
found"}``; a missing or unknown key is a 401. fanart.tv publishes no rate limit, so none is
enforced unless a test sets one.
"""

from __future__ import annotations

import zlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aniworld_testing._artwork import image_url
from aniworld_testing._service import FakeService, json
from aniworld_testing.dataset import Show

_MESSAGES = {401: "Invalid API key", 404: "Not found", 429: "Too Many Requests"}


class FakeFanart(FakeService):
    """Fake of ``https://webservice.fanart.tv/v3``."""

    name = "fanart"
    api_prefix = "/v3"
    sends_retry_after = False

    def build_app(self) -> Any:
        return self.starlette([Route("/v3/tv/{tvdb_id:int}", self._tv)])

    def error_response(self, status: int, headers: dict[str, str] | None = None) -> Response:
        message = _MESSAGES.get(status, "Internal Server Error" if status >= 500 else "Error")
        return json({"status": "error", "error message": message}, status, headers)

    def artwork(self, show: Show) -> dict[str, Any]:
        """The fanart.tv document for ``show``."""
        tvdb = show.tvdb_id
        mixed = zlib.crc32(str(tvdb).encode())
        counts = {"hdtvlogo": mixed % 3, "clearlogo": mixed // 3 % 2,
                  "showbackground": 1 + mixed // 6 % 3, "tvposter": 1 + mixed // 18 % 2,
                  "tvbanner": mixed // 36 % 2}
        if counts["hdtvlogo"] == counts["clearlogo"] == 0:
            counts["hdtvlogo"] = 1  # most anime on fanart.tv have at least one logo
        document: dict[str, Any] = {"name": show.name, "thetvdb_id": str(tvdb)}
        for kind, count in counts.items():
            if count:
                document[kind] = [self._item(kind, tvdb, i) for i in range(count)]
                if kind == "showbackground":
                    for item in document[kind]:
                        item["season"] = "all"
        document["seasonposter"] = [{**self._item("seasonposter", tvdb, season),
                                     "season": str(season)} for season in show.season_numbers]
        return document

    def _item(self, kind: str, tvdb: int, index: int) -> dict[str, str]:
        mixed = zlib.crc32(f"{kind}:{tvdb}:{index}".encode())
        return {"id": str(10_000 + mixed % 900_000), "url": image_url(self.image_url, "fanart",
                                                                      kind, tvdb, index),
                "lang": ("en", "ja", "00")[index % 3], "likes": str(mixed % 12)}

    async def _tv(self, request: Request) -> Response:
        key = request.query_params.get("api_key", "")
        allowed = self.options.api_keys
        if not key or (allowed is not None and key not in allowed):
            return self.error_response(401)
        show = self.dataset.show_by_tvdb(request.path_params["tvdb_id"])
        if show is None or not show.first.has_fanart:
            return self.error_response(404)
        return json(self.artwork(show))
