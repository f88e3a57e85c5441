"""Settings: defaults < TOML < environment < overrides; bad input names the key and the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from aniworld_core import ConfigError, Settings
from aniworld_core.settings import default_data_dir


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    """With nothing configured, the data dir comes from platformdirs and SQLite lives in it."""
    settings = Settings.load(env={})
    assert settings.data_dir == default_data_dir()
    assert settings.resolved_database_url == f"sqlite:///{default_data_dir() / 'aniworld.db'}"
    assert settings.loader.concurrency == 32
    assert settings.provider_order[:2] == ("anilist", "jikan")
    assert settings.config_file is None


def test_toml_in_data_dir_is_read(tmp_path: Path) -> None:
    """``aniworld.toml`` in the data dir is picked up and its values are typed."""
    write(tmp_path / "aniworld.toml", """
library = ["anime", "/srv/more"]
[loader]
concurrency = 4
shutdown_grace = 2
[providers]
order = ["jikan", "anilist"]
[providers.anilist]
url = "http://127.0.0.1:9999/"
""")
    settings = Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path)})
    assert settings.config_file == tmp_path / "aniworld.toml"
    assert settings.library == (tmp_path / "anime", Path("/srv/more"))
    assert settings.loader.concurrency == 4
    assert settings.loader.shutdown_grace == 2.0
    assert settings.provider_order == ("jikan", "anilist")
    assert settings.provider("anilist").url == "http://127.0.0.1:9999"
    assert settings.provider("jikan").url is None


def test_environment_beats_file_and_arguments_beat_environment(tmp_path: Path) -> None:
    """Each layer overrides the one below it."""
    config = write(tmp_path / "conf.toml", 'database_url = "sqlite:///from-file.db"\n'
                                            '[loader]\nconcurrency = 4\nmax_attempts = 2\n')
    env = {
        "ANIWORLD_DATA_DIR": str(tmp_path / "data"),
        "ANIWORLD_DATABASE_URL": "sqlite:///from-env.db",
        "ANIWORLD_LOADER_CONCURRENCY": "8",
        "ANIWORLD_ANILIST_URL": "http://127.0.0.1:1/",
        "ANIWORLD_TMDB_API_KEY": "secret",
        "ANIWORLD_TEST_DATABASE_URL": "postgresql://ignored",
    }
    settings = Settings.load(config, env=env, overrides={"loader.concurrency": 16})
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == "sqlite:///from-env.db"
    assert settings.loader.concurrency == 16
    assert settings.loader.max_attempts == 2
    assert settings.provider("anilist").url == "http://127.0.0.1:1"
    assert settings.provider("tmdb").api_key == "secret"
    assert "secret" not in repr(settings)
    assert "test_database" not in settings.providers


def test_library_from_environment_is_a_path_list(tmp_path: Path) -> None:
    """``ANIWORLD_LIBRARY`` holds several roots separated like ``PATH``."""
    settings = Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path),
                                  "ANIWORLD_LIBRARY": "/a:/b"})
    assert settings.library == (Path("/a"), Path("/b"))


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    """A typo in the TOML file is an error that says which key and which file."""
    config = write(tmp_path / "aniworld.toml", "[loader]\nconcurency = 4\n")
    with pytest.raises(ConfigError) as caught:
        Settings.load(config, env={})
    assert str(config) in str(caught.value)
    assert "loader.concurency" in str(caught.value)


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ("[loader]\nconcurrency = 'ten'\n", "loader.concurrency", "expected an integer"),
        ("[loader]\nconcurrency = 0\n", "loader.concurrency", "from 1 to 1024"),
        ("[loader]\nconcurrency = true\n", "loader.concurrency", "expected an integer"),
        ("[web]\nport = 70000\n", "web.port", "from 1 to 65535"),
        ("log_level = 'LOUD'\n", "log_level", "expected one of"),
        ("library = '/one'\n", "library", "expected a list of paths"),
        ("[providers.anilist]\nurl = 'ftp://x'\n", "providers.anilist.url", "http(s) URL"),
        ("[providers.tmdb]\nenabled = 'yes'\n", "providers.tmdb.enabled", "true or false"),
        ("database_url = 'nonsense'\n", "database_url", "database URL"),
        ("[web]\nallowed_hosts = ['https://anime.example']\n", "web.allowed_hosts",
         "no scheme, port or path"),
        ("[web]\nallowed_hosts = ['anime.example:8000']\n", "web.allowed_hosts",
         "no scheme, port or path"),
        ("[web]\ntrusted_proxies = ['proxy.lan']\n", "web.trusted_proxies",
         "expected IP addresses or networks"),
        ("[web]\ntrusted_proxies = ['10.0.0.0/33']\n", "web.trusted_proxies",
         "expected IP addresses or networks"),
    ],
)
def test_bad_values_name_key_and_file(tmp_path: Path, toml: str, key: str, expected: str) -> None:
    """Every bad value is rejected with the key, the file and what was expected."""
    config = write(tmp_path / "aniworld.toml", toml)
    with pytest.raises(ConfigError) as caught:
        Settings.load(config, env={})
    message = str(caught.value)
    assert str(config) in message
    assert key in message
    assert expected in message


def test_allowed_hosts_and_trusted_proxies_from_file_and_environment(tmp_path: Path) -> None:
    """Both are lists in the file and comma-separated in the environment; host names are
    compared in lower case, IPv6 literals without brackets."""
    config = write(tmp_path / "aniworld.toml", "[web]\nallowed_hosts = ['Anime.Example', "
                   "'[::1]', '*']\ntrusted_proxies = ['10.0.0.5', '172.16.0.0/12', 'fd00::/8']\n")
    from_file = Settings.load(config, env={})
    assert from_file.web.allowed_hosts == ("anime.example", "::1", "*")
    assert from_file.web.trusted_proxies == ("10.0.0.5", "172.16.0.0/12", "fd00::/8")
    from_environment = Settings.load(env={
        "ANIWORLD_DATA_DIR": str(tmp_path / "other"),
        "ANIWORLD_WEB_ALLOWED_HOSTS": "media.example.org, 192.168.1.20",
        "ANIWORLD_WEB_TRUSTED_PROXIES": "10.0.0.0/24"})
    assert from_environment.web.allowed_hosts == ("media.example.org", "192.168.1.20")
    assert from_environment.web.trusted_proxies == ("10.0.0.0/24",)
    with pytest.raises(ConfigError, match=r"ANIWORLD_WEB_TRUSTED_PROXIES.*expected IP"):
        Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path / "other"),
                           "ANIWORLD_WEB_TRUSTED_PROXIES": "proxy.lan"})


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    """A bad value from the environment names the variable it came from."""
    with pytest.raises(ConfigError, match=r"ANIWORLD_LOADER_MAX_ATTEMPTS.*expected an integer"):
        Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path),
                           "ANIWORLD_LOADER_MAX_ATTEMPTS": "many"})


def test_boolean_from_environment(tmp_path: Path) -> None:
    """Booleans from the environment accept the usual spellings."""
    settings = Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path),
                                  "ANIWORLD_FANART_ENABLED": "no"})
    assert settings.provider("fanart").enabled is False


def test_invalid_toml_is_a_clear_error(tmp_path: Path) -> None:
    """A file that is not TOML is reported with its path."""
    config = write(tmp_path / "aniworld.toml", "[loader\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(config, env={})


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    """Asking for a config file that does not exist is an error, not silently ignored."""
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(tmp_path / "nope.toml", env={})


def test_unknown_override_is_rejected(tmp_path: Path) -> None:
    """Explicit overrides are checked like every other source."""
    with pytest.raises(ConfigError, match=r"arguments: unknown setting 'loader\.speed'"):
        Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path)},
                      overrides={"loader.speed": 3})


def test_downloads_and_sources_sections(tmp_path: Path) -> None:
    """``[downloads]`` is checked key by key (a naming template that would leave the series
    folder is refused where it is written); ``[sources.NAME]`` is kept for that source."""
    (tmp_path / "aniworld.toml").write_text(
        '[downloads]\nconcurrency = 2\nimport_mode = "hardlink"\nimport_folder = "incoming"\n'
        'naming = "{Series Title} - {absolute:000}"\n'
        '[sources.http]\ntimeout = 5\n[sources.shelf]\nfolders = ["a", "b"]\n',
        encoding="utf-8")
    settings = Settings.load(env={"ANIWORLD_DATA_DIR": str(tmp_path),
                                  "ANIWORLD_DOWNLOADS_BANDWIDTH": "1000000"})
    assert settings.downloads.concurrency == 2
    assert settings.downloads.import_mode == "hardlink"
    assert settings.downloads.import_folder == tmp_path / "incoming"
    assert settings.downloads.bandwidth == 1_000_000
    assert settings.sources == {"http": {"timeout": 5}, "shelf": {"folders": ("a", "b")}}
    for key, value, problem in [
        ("downloads.naming", "../{Series Title} {episode}", "'..'"),
        ("downloads.naming", "{Series Title} {Nope} {episode}", "Nope"),
        ("downloads.import_mode", "symlink", "one of move, hardlink, copy"),
        ("downloads.concurrency", 0, "from 1"),
        ("sources.http.headers", {"a": 1}, "a string, number"),
    ]:
        with pytest.raises(ConfigError, match=problem):
            Settings.load(env={}, overrides={"data_dir": tmp_path, key: value})
