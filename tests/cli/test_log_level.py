"""``serve`` and ``worker`` log at the ``log_level`` setting, but httpx's line per provider
request only at DEBUG: at INFO a loader wrote thousands of them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from aniworld_cli.main import CHATTY_LOGGERS, set_log_level


@pytest.fixture(autouse=True)
def kept_levels() -> Iterator[None]:
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in CHATTY_LOGGERS)]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_at_info_aniworld_says_what_it_does_but_httpx_not_each_request() -> None:
    set_log_level("INFO")
    assert logging.getLogger("aniworld.jobs").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
    assert not logging.getLogger("httpcore.connection").isEnabledFor(logging.INFO)


def test_at_debug_every_request_is_logged() -> None:
    set_log_level("INFO")
    set_log_level("DEBUG")
    assert logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpcore.http11").isEnabledFor(logging.DEBUG)


def test_at_warning_neither_says_more() -> None:
    set_log_level("WARNING")
    assert not logging.getLogger("aniworld.jobs").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
