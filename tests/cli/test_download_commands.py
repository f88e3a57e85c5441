"""``wanted``, ``download``, ``downloads``, ``import`` and ``sources`` through click's runner:
a library scanned and loaded against the fake providers, missing two episodes that a fake file
server offers through the ``http`` source."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from aniworld_testing import FakeFileServer
from tests.cli.child import aniworld
from tests.cli.conftest import Outcome, Run
from tests.show_files import season_folders

TITLE = "Mob Psycho 100"
MISSING = [(1, 3), (1, 4)]
SEASONS = {1: 12, 2: 13, 3: 12}
SIZE = 1 << 20


@attrs.frozen
class Shop:
    """The runner with the fakes' environment, the file server, and the library."""

    run: Run
    env: dict[str, str]
    server: FakeFileServer
    library: Path
    #: The downloads folder (``downloads.import_folder`` in the data dir's aniworld.toml).
    incoming: Path

    def __call__(self, *args: str) -> Outcome:
        return self.run(*args, env=self.env)


@pytest.fixture
def file_server() -> Iterator[FakeFileServer]:
    server = FakeFileServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shop(run: Run, loading_env: dict[str, str], tmp_path: Path, data_dir: Path,
         file_server: FakeFileServer) -> Shop:
    """Mob Psycho 100 without S01E03 and S01E04, scanned and loaded, the ``http`` source set
    to the file server for it (which serves both)."""
    library = tmp_path / "library"
    season_folders(library / TITLE, TITLE,
                   [(season, number) for season, count in SEASONS.items()
                    for number in range(1, count + 1) if (season, number) not in MISSING])
    for season, episode in MISSING:
        file_server.add(f"mob-{season}-{episode}.mkv", SIZE)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "aniworld.toml").write_text(f'[downloads]\nimport_folder = "{incoming}"\n',
                                            encoding="utf-8")
    shop = Shop(run, loading_env, file_server, library, incoming)
    scanned = shop("scan", str(library))
    assert scanned.code == 0, scanned.err
    url = f"{file_server.url}/files/mob-{{season}}-{{episode}}.mkv"
    set_source = shop("sources", "set", TITLE, "http", url)
    assert set_source.code == 0, set_source.err
    assert f"{TITLE} now gets episodes from http: {url}" in set_source.out
    return shop


def test_wanted_groups_by_show_and_season_and_json_is_one_object_per_episode(
        shop: Shop) -> None:
    """The text groups the missing episodes under the show and its season; ``--json`` prints
    one object per episode with the show it belongs to."""
    text = shop("wanted").out
    assert f"{TITLE}: 2 missing" in text
    assert "Season 1: 2 missing" in text
    assert text.index("S01E03") < text.index("S01E04")
    lines = shop("wanted", "--json").json_lines()
    assert [(line["season"], line["number"]) for line in lines] == MISSING
    assert set(lines[0]) == {"series_id", "series_title", "season", "number",
                             "absolute_number", "title", "air_date", "download_id"}
    assert {line["series_title"] for line in lines} == {TITLE}


def test_download_runs_with_progress_until_done(shop: Shop) -> None:
    """``download --season 1 --episode 3`` fetches the episode in this process and exits 0;
    it is in the library, listed as completed, and no longer wanted."""
    outcome = shop("download", TITLE, "--season", "1", "--episode", "3")
    assert outcome.code == 0, outcome.err
    assert f"✓ {TITLE} S01E03 completed" in outcome.out
    [item] = shop("downloads", "--json").json_lines()
    assert (item["state"], item["bytes_done"], item["episodes"]) == ("completed", SIZE, [3])
    assert (shop.library / TITLE / item["path"]).stat().st_size == SIZE
    assert [(line["season"], line["number"]) for line in shop("wanted", "--json").json_lines()
            ] == [(1, 4)]
    table = shop("downloads").out
    assert "completed" in table
    assert "S01E03" in table


def test_download_of_every_missing_episode_names_a_failure(shop: Shop) -> None:
    """Without ``--episode`` both missing episodes are fetched; one for which the server sends
    a web page fails, the exit status is 1 and the reason is said."""
    shop.server.files["mob-1-4.mkv"].html = True
    outcome = shop("download", TITLE)
    assert outcome.code == 1
    assert f"✓ {TITLE} S01E03 completed" in outcome.out
    assert f"{TITLE} S01E04 failed: " in outcome.err
    states = {line["episodes"][0]: line["state"] for line in
              shop("downloads", "--json").json_lines()}
    assert states == {3: "completed", 4: "failed"}


def test_no_wait_queues_and_the_actions_change_the_queue(shop: Shop) -> None:
    """``--no-wait`` only queues; ``downloads --state`` filters; pause, resume and cancel act
    on one download by id; an unknown id is an error."""
    queued = shop("download", TITLE, "--season", "1", "--episode", "4", "--no-wait")
    assert queued.code == 0, queued.err
    assert "Queued 1;" in queued.out
    [item] = shop("downloads", "--json", "--state", "queued").json_lines()
    assert shop("downloads", "--json", "--state", "completed,failed").json_lines() == []
    paused = shop("downloads", "pause", str(item["id"]))
    assert paused.code == 0, paused.err
    assert f"Paused download {item['id']} ({TITLE} S01E04): paused." in paused.out
    resumed = shop("downloads", "resume", str(item["id"]))
    assert resumed.code == 0, resumed.err
    assert f"Resumed download {item['id']}" in resumed.out
    cancelled = shop("downloads", "cancel", str(item["id"]))
    assert cancelled.code == 0, cancelled.err
    assert ": cancelled." in cancelled.out
    unknown = shop("downloads", "cancel", "99999")
    assert unknown.code == 1
    assert "Error:" in unknown.err


def test_sources_are_listed_and_unset(shop: Shop) -> None:
    """``sources`` lists the built-in http source (``--json`` one object each); ``unset``
    forgets the show's URL, and then nothing offers its episodes."""
    assert "http" in shop("sources").out
    names = [line["name"] for line in shop("sources", "--json").json_lines()]
    assert "http" in names
    assert set(shop("sources", "--json").json_lines()[0]) == {"name", "display_name",
                                                              "builtin", "problem"}
    unset = shop("sources", "unset", TITLE, "http")
    assert unset.code == 0, unset.err
    outcome = shop("download", TITLE, "--no-wait")
    assert "Nothing to download" in outcome.out


def test_import_lists_what_waits_and_imports_one_by_hand(shop: Shop) -> None:
    """``import`` (the downloads folder) leaves a file naming no show waiting and says so;
    ``import FILE --series --season --episode`` puts it into the library as that episode."""
    stray = shop.incoming / "holiday video.mkv"
    stray.write_bytes(b"\x1aE\xdf\xa3" + bytes(4096))
    an_hour_ago = time.time() - 3600  # finished: the importer leaves changing files alone
    os.utime(stray, (an_hour_ago, an_hour_ago))
    listed = shop("import")
    assert listed.code == 0, listed.err
    assert "Imported 0; 1 waiting for you." in listed.out
    assert "holiday video.mkv" in listed.out
    report = shop("import", str(shop.incoming), "--json").json_lines()
    assert [item["path"] for item in report[0]["pending"]] == [str(stray)]
    manual = shop("import", str(stray), "--series", TITLE, "--season", "1", "--episode", "4",
                  "--json")
    assert manual.code == 0, manual.err
    [imported] = manual.json_lines()
    assert (shop.library / TITLE / imported["target"]).is_file()


def test_import_usage_errors(run: Run) -> None:
    """``--season`` without ``--series``, or a manual import without its episode, is a usage
    error (exit 2) before anything opens."""
    assert run("import", "--season", "1").code == 2
    assert run("import", "x.mkv", "--series", "X", "--season", "1").code == 2


def test_ctrl_c_leaves_the_download_queued_and_running_again_finishes_it(
        shop: Shop, data_dir: Path) -> None:
    """SIGINT while a slow download runs: the command stops at once, says what stays queued,
    exits 130 without a traceback; the download is not finished, and the same command later
    finishes it."""
    shop.server.files["mob-1-3.mkv"].rate = 128 << 10
    command = ["--data-dir", str(data_dir), "download", TITLE, "--season", "1", "--episode", "3"]
    with aniworld(command, shop.env) as child:
        child.wait_for(lambda line: line == "Downloading 1...")
        child.send(signal.SIGINT)
        code, _, err = child.finish()
    assert code == 130, err
    assert "Stopped; 1 download(s) not finished stay queued" in err
    assert "Traceback" not in err
    [item] = shop("downloads", "--json").json_lines()
    assert item["state"] in ("queued", "downloading")
    shop.server.files["mob-1-3.mkv"].rate = 0
    again = shop("download", TITLE, "--season", "1", "--episode", "3")
    assert again.code == 0, again.err
    assert f"✓ {TITLE} S01E03 completed" in again.out
