"""Metadata providers: the plugin contract, the HTTP client they share, the built-in ones."""
