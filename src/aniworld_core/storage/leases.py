"""What a worker learns when it writes through a lease it no longer holds."""

from __future__ import annotations


class LeaseLost(Exception):
    """The job is no longer leased to this worker (removed, cancelled, or taken over)."""
