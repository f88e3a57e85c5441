"""``aniworld_core.reading``, the public helpers providers read API answers with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aniworld_core import ProviderError
from aniworld_core.reading import (
    Malformed,
    date,
    identifier,
    integer,
    mapping,
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
