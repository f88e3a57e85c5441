"""Episode downloads: the download manager (the ``episode.download`` job kind), episode
sources as plugins (``register_episode_sources``), the built-in ``http`` and ``import``
sources, and naming templates. See ``docs/downloads.md``."""
