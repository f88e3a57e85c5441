"""The library on disk: scanning series folders, reading release names, numbering rules,
missing episodes, NFO and artwork writers, safe folder names and atomic writes.

It writes what it is given: nothing here asks a provider or drives the loader.
"""
