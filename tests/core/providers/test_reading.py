"""``aniworld_core.reading``, the public helpers providers read API answers with."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from aniworld_core import ProviderError
from aniworld_core.providers.base import ProviderConfig, RateLimit
from aniworld_core.providers.http import ProviderHttpClient
from aniworld_core.providers.limiter import ProviderLimiter
from aniworld_core.reading import (
    Malformed,
    clean_json,
    clean_text,
    date,
    identifier,
    integer,
    mapping,
    may_need_cleaning,
    number,
    objects,
    reading,
    text,
    texts,
)


@pytest.mark.parametrize(("read", "message"), [
    (lambda: mapping([], "the answer"), "the answer is not an object"),
    (lambda: objects({"id": 1}, "episodes"), "episodes is not a list"),
    (lambda: objects([{"id": 1}, 2], "episodes"), "an item of episodes is not an object"),
    (lambda: identifier({"id": True}, "id", "show 1"), "show 1 has no valid id"),
    (lambda: identifier({"id": 0}, "id", "show 1"), "show 1 has no valid id"),
    (lambda: identifier({}, "id", "show 1"), "show 1 has no valid id"),
])
def test_a_shape_the_api_does_not_document_is_a_provider_error(read: Any, message: str) -> None:
    """Inside ``reading``, a wrong structure becomes a ProviderError naming the provider, the
    request and where the answer went wrong; outside it, it stays :class:`Malformed`."""
    with pytest.raises(ProviderError) as caught, reading("tvmaze", "show 1253"):
        read()
    assert (caught.value.provider, caught.value.request) == ("tvmaze", "show 1253")
    assert str(caught.value) == f"tvmaze: show 1253: unexpected answer: {message}"
    with pytest.raises(Malformed, match=message):
        read()


def test_optional_fields_of_another_type_read_as_absent() -> None:
    """Optional scalars never guess: a wrong type, blank text or a bad date is ``None``."""
    data = {"name": "  Cowboy Bebop ", "blank": "  ", "count": True, "score": "8.9",
            "aired": "1998-04-03T00:00:00+00:00", "empty": "", "bad": "1998-13-40",
            "names": ["A", 1, " ", " B "], "episodes": None}
    assert text(data, "name") == "Cowboy Bebop"
    assert (text(data, "blank"), text(data, "count"), integer(data, "count")) == (None,) * 3
    assert (number(data, "score"), number({"score": 8}, "score")) == (None, 8.0)
    assert date(data, "aired") == dt.date(1998, 4, 3)
    assert (date(data, "empty"), date(data, "bad"), date(data, "missing")) == (None,) * 3
    assert texts(data, "names") == ("A", "B")
    assert objects(data["episodes"], "episodes") == []


def test_text_comes_out_without_control_characters() -> None:
    """NUL and the other control characters are dropped (tab, newline and carriage return
    stay), half a UTF-16 pair becomes U+FFFD: no text from a provider can be refused by a
    database or an NFO file."""
    assert clean_text("Cow\x00boy\x07 Bebop\x7f") == "Cowboy Bebop"
    assert clean_text("line\tone\r\nline two") == "line\tone\r\nline two"
    assert clean_text("half \ud83d pair") == "half \ufffd pair"
    assert text({"title": "\x00 Trigun \x1b"}, "title") == "Trigun"
    assert text({"title": "\x00\x01"}, "title") is None
    assert texts({"titles": ["\x00", "A\x00B"]}, "titles") == ("AB",)
    assert clean_json({"k\x00": [{"t": "a\x00b"}, 1, None]}) == {"k": [{"t": "ab"}, 1, None]}


@pytest.mark.anyio
async def test_json_answers_come_out_clean() -> None:
    """The providers' HTTP client cleans every string of a JSON answer that escapes a control
    character, keys and nested lists included, whichever provider reads it."""
    body = json.dumps({"data": {"title": "Cow\u0000boy", "eps": [{"t\u0001": "x\u0000"}],
                               "emoji": "\U0001f600"}}).encode()
    assert may_need_cleaning(body)
    assert not may_need_cleaning(json.dumps({"t": "Café"}).encode())
    limiter = ProviderLimiter("anilist", [RateLimit(100, 1.0)])
    http = ProviderHttpClient(ProviderConfig("anilist", "https://graphql.example"), limiter,
                              transport=httpx.MockTransport(lambda request: httpx.Response(
                                  200, content=body, headers={"Content-Type":
                                                              "application/json"})))
    try:
        answer = await http.get_json("/x", request="test")
    finally:
        await http.aclose()
    assert answer == {"data": {"title": "Cowboy", "eps": [{"t": "x"}], "emoji": "\U0001f600"}}
