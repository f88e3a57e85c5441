"""Live streams end when the credentials that opened them stop opening anything.

A WebSocket or an event stream is authenticated once, when it opens; it may then stay open for
days. :class:`AccessWatch` asks again whether its session or API key still works: at once when
something is revoked in this process (a logout, an ended session, a new password, a revoked
key), and every :data:`RECHECK_SECONDS` for revocations made by other processes. With the
accounts' cache that bounds how long a revoked stream goes on to
``RECHECK_SECONDS + CREDENTIAL_CACHE_SECONDS`` (10 s).
"""

from __future__ import annotations

import anyio

from aniworld_core import Accounts
from aniworld_web.security import Principal

#: How often a live stream asks whether its credentials still work, besides at every
#: revocation in this process.
RECHECK_SECONDS = 5.0


class AccessWatch:
    """Watches one stream's credentials; :attr:`revoked` tells why a stream was ended."""

    def __init__(self, principal: Principal, accounts: Accounts) -> None:
        self.principal = principal
        self.accounts = accounts
        self.revoked = False

    async def still_valid(self) -> bool:
        if self.principal.method == "api_key":
            return await self.accounts.verify_api_key(self.principal.token)
        return await self.accounts.session(self.principal.token) is not None

    async def guard(self, scope: anyio.CancelScope) -> None:
        """Cancel ``scope`` once the credentials no longer work."""
        seen = self.accounts.revocations
        while True:
            with anyio.move_on_after(RECHECK_SECONDS):
                seen = await self.accounts.revoked(seen)
            if not await self.still_valid():
                self.revoked = True
                scope.cancel()
                return
