"""Descriptions lose their markup and keep their paragraphs."""

from __future__ import annotations

import pytest

from aniworld_core.providers.markup import plain_text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("Plain text stays.", "Plain text stays."),
        ("One<br>two<br/>three", "One\ntwo\nthree"),
        ("Para one.<br><br><br><br>Para two.", "Para one.\n\nPara two."),
        ("<p>First</p><p>Second</p>", "First\n\nSecond"),
        ("<i>Italic</i> and <b>bold</b> &amp; <a href='x'>link</a>",
         "Italic and bold & link"),
        ("Tom &amp; Jerry&#39;s &lt;3 &quot;fun&quot;", "Tom & Jerry's <3 \"fun\""),
        ("  spaced \t  out  \n\n\n  lines  ", "spaced out\n\nlines"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ("", None),
        (None, None),
        ("<br><br>", None),
    ],
)
def test_plain_text(markup: str | None, text: str | None) -> None:
    """Tags go, entities are decoded, line breaks and paragraphs survive, whitespace is tidy."""
    assert plain_text(markup) == text
