"""``aniworld demo``: the sample library, loaded from in-process fake providers (60 times faster
than the real services here), in the terminal and in the web UI."""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

import httpx

from aniworld_cli.demo_library import (
    CATALOGUE,
    MARKER,
    build_library,
    demo_episodes,
    episode_files,
)
from aniworld_testing import Dataset
from tests.cli.child import aniworld
from tests.cli.conftest import Run

FAST = ["--speed", "60"]
#: The demo loads through the provider plugins when they are installed (CI installs them).
PLUGINS = {"ANIWORLD_LOAD_ENTRY_POINTS": "1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_sample_library_looks_like_a_real_one(tmp_path: Path) -> None:
    """About thirty series with release-style names, id hints, season folders and a few
    episodes left out; building it again keeps it as it is."""
    series = build_library(tmp_path)
    folders = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert len(folders) == len(series) >= 30
    assert "Cowboy Bebop (1998)" in folders
    assert any("[anilistid-" in name for name in folders)
    frieren = tmp_path / "Sousou no Frieren (2023) [anilistid-154587]" / "Season 01"
    assert re.fullmatch(r"\[SubsPlease\] Sousou no Frieren - 01 \(1080p\) \[[0-9A-F]{8}\]\.mkv",
                        min(p.name for p in frieren.iterdir()))
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.mkv"))
    assert all(p.stat().st_size == 0 for p in tmp_path.rglob("*.mkv"))
    assert sum(len(s.missing) for s in series) == 13
    assert build_library(tmp_path) == series
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.mkv")) == files


def test_every_demo_series_is_in_the_fake_dataset() -> None:
    """Each series of the catalogue is known to the fakes, with a file per aired episode it
    does not leave out; every left-out episode is one it covers."""
    dataset = Dataset.default()
    for series in CATALOGUE:
        assert dataset.by_anilist(series.anilist_id) is not None, series
        covered = {(e.season, e.number) for e in demo_episodes(series, dataset)}
        files = episode_files(series, dataset)
        assert set(series.missing) <= covered, series
        assert len(files) == len(set(files)) == len(covered) - len(series.missing), series


def test_multi_season_shows_are_numbered_like_tvdb(tmp_path: Path) -> None:
    """Shows kept as one folder use TVDB's seasons (season folders, SxxEyy names, or absolute
    numbers across seasons), and a later season can also be a folder of its own."""
    build_library(tmp_path)
    titan = tmp_path / "Attack on Titan (2013)"
    assert sorted(p.name for p in titan.iterdir()) == [f"Season 0{n}" for n in range(1, 5)]
    assert (titan / "Season 02" / "Attack on Titan - S02E03.mkv").exists()
    assert not (titan / "Season 02" / "Attack on Titan - S02E05.mkv").exists()
    assert (titan / "Season 03" / "Attack on Titan - S03E22.mkv").exists()  # Part 2's last
    assert len(list((titan / "Season 04").iterdir())) == 28

    show = Dataset.default().show_by_tvdb(278157)  # Haikyu!!: 25 + 25 + 10 + 13 + 12
    assert show is not None
    thirtieth = list(show.episodes())[29]
    assert (thirtieth.season, thirtieth.number) == (2, 5)
    haikyu = sorted(p.name for p in (tmp_path / "Haikyu!! (2014)").iterdir())
    assert "[Erai-raws] Haikyu!! - 30 [1080p][Multiple Subtitle].mkv" in haikyu
    assert len(haikyu) == 84
    assert not any(" - 52 " in name for name in haikyu)  # S03E02

    jujutsu = tmp_path / "Jujutsu Kaisen"
    assert sorted(p.name for p in jujutsu.iterdir()) == ["Season 1", "Season 2"]
    first = sorted(p.name for p in (jujutsu / "Season 1").iterdir())
    assert len(first) == 23
    assert not any(" - 10 " in name for name in first)
    assert len(list((jujutsu / "Season 2").iterdir())) == 23

    spy = sorted(p.name for p in (tmp_path / "Spy x Family (2022)").iterdir())
    assert spy[12:14] == ["Spy.x.Family.S01E13.1080p.BluRay.x264-DEMO.mkv",
                          "Spy.x.Family.S01E15.1080p.BluRay.x264-DEMO.mkv"]
    assert spy[-1] == "Spy.x.Family.S02E12.1080p.BluRay.x264-DEMO.mkv"

    assert (tmp_path / "Vinland Saga (2019) [anilistid-101348]").is_dir()
    second = sorted(p.name for p in (tmp_path / "Vinland Saga Season 2 (2023)").iterdir())
    assert len(second) == 24
    assert second[0].startswith("[SubsPlease] Vinland Saga S2 - 01 (1080p)")


def test_a_folder_that_is_not_a_demo_library_is_refused(run: Run, tmp_path: Path) -> None:
    """``--dir`` on a folder with other things in it is a one-line error; nothing is written."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "holiday.mkv").touch()
    outcome = run("demo", "--cli", "--dir", str(tmp_path / "mine"), *FAST)
    assert outcome.code == 1
    assert "is not empty and holds no demo library" in outcome.err
    assert not (tmp_path / "mine" / MARKER).exists()


def test_demo_in_the_terminal_loads_every_series(run: Run, tmp_path: Path) -> None:
    """``demo --cli --exit-when-idle`` scans the sample library and loads every series, NFOs
    and artwork included, then sums up with the missing episodes."""
    library = tmp_path / "library"
    outcome = run("demo", "--cli", "--exit-when-idle", "--dir", str(library), *FAST,
                  env=PLUGINS)
    assert outcome.code == 0, outcome.err
    count = len(CATALOGUE)
    assert f"Scanned {count} series folders" in outcome.out
    assert f"Loaded {count} of {count} series." in outcome.out
    assert "Missing episodes: 13 in 9 series" in outcome.out
    assert "  Attack on Titan: 1 (S02E05)" in outcome.out
    assert "  Haikyu!!: 1 (S03E02)" in outcome.out
    assert "  Your Lie in April: 3 (S01E08, S01E09, S01E10)" in outcome.out
    statuses = {s["title"]: s["loading_status"] for s in run("list", "--json").json_lines()}
    assert len(statuses) == count
    assert set(statuses.values()) == {"completed"}
    assert (library / "Cowboy Bebop (1998)" / "tvshow.nfo").exists()
    assert (library / "Cowboy Bebop (1998)" / "poster.jpg").exists()


def test_demo_in_the_browser(tmp_path: Path) -> None:
    """The web demo prints the address and a fresh admin password that logs in, serves the
    library while it loads, and on Ctrl-C stops, sums up and deletes its temporary folders."""
    port = free_port()
    with aniworld(["demo", "--port", str(port), *FAST], PLUGINS) as child:
        intro = child.wait_for(lambda line: line.startswith("aniworld demo:"))
        child.wait_for(lambda line: line == f"Open http://127.0.0.1:{port}/ in a browser")
        login = child.wait_for(lambda line: line.startswith("and log in as 'admin'"))
        password = re.search(r"the password '([^']+)'", login)
        assert password is not None
        child.wait_for(lambda line: line.startswith("The library loads live"))
        # The port listens before the address is printed: no retrying needed.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            assert client.get("/api/health").json()["status"] == "ok"
            answer = client.post("/api/auth/login",
                                 json={"username": "admin", "password": password[1]})
            assert answer.status_code == 200, answer.text
            assert len(client.get("/api/series").json()["series"]) == len(CATALOGUE)
        child.send(signal.SIGINT)
        code, lines, err = child.finish()
    assert code == 0, err
    assert "Stopped." in err
    assert any(line.startswith("Loaded ") for line in lines)
    folder = re.search(r"videos in (\S+) \(deleted when", intro)
    assert folder is not None
    assert not Path(folder[1]).exists()


def test_a_port_in_use_is_a_one_line_error(run: Run, tmp_path: Path) -> None:
    """The web demo on a port something else listens on stops before serving, in one line."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        outcome = run("demo", "--port", str(port), "--dir", str(tmp_path / "library"), *FAST)
    assert outcome.code == 1
    assert f"Error: port {port} is in use; choose another --port" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1


def test_the_web_demo_exits_when_idle() -> None:
    """With ``--exit-when-idle`` the web demo stops by itself once every series is loaded."""
    args = ["demo", "--exit-when-idle", "--port", str(free_port()), *FAST]
    with aniworld(args, PLUGINS) as child:
        code, lines, err = child.finish()
    assert code == 0, err
    assert f"Loaded {len(CATALOGUE)} of {len(CATALOGUE)} series." in lines
