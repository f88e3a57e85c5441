"""NFO files: what they say (snapshots), that they are always XML, and that a user's NFO is
never replaced unless forced."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from syrupy.assertion import SnapshotAssertion

from aniworld_core import (
    Artwork,
    ArtworkKind,
    Episode,
    LibraryError,
    PathNotAllowed,
    ProviderIds,
    ProviderRef,
    SeriesInfo,
)
from aniworld_core.library.nfo import SkipReason, write_nfos
from aniworld_core.library.nfo_xml import episode_xml, tvshow_xml


def write(series_dir: Path, info: SeriesInfo, ids: ProviderIds, episodes: list[Episode],
          **kwargs: bool) -> object:
    return write_nfos(series_dir, info, ids, episodes, primary_id_type="anilist", **kwargs)


def test_tvshow_nfo(series_dir: Path, info: SeriesInfo, ids: ProviderIds,
                    episodes: list[Episode], snapshot: SnapshotAssertion) -> None:
    """tvshow.nfo carries titles, plot, dates, status, genres, studios, ratings, every id with
    the primary one as default, season names and artwork."""
    write(series_dir, info, ids, episodes)
    assert (series_dir / "tvshow.nfo").read_text(encoding="utf-8") == snapshot


def test_episode_nfos(series_dir: Path, info: SeriesInfo, ids: ProviderIds,
                      episodes: list[Episode], snapshot: SnapshotAssertion) -> None:
    """Each present file gets an NFO beside it; a two-episode file gets two blocks; a missing
    episode gets none."""
    outcome = write(series_dir, info, ids, episodes)
    nfos = sorted(p.relative_to(series_dir).as_posix() for p in series_dir.rglob("*.nfo"))
    assert nfos == ["Cowboy Bebop - 01.nfo", "Cowboy Bebop - 02-03.nfo",
                    "Season 01/Cowboy Bebop - 04.nfo", "tvshow.nfo"]
    assert len(outcome.written) == 4  # type: ignore[attr-defined]
    assert (series_dir / "Cowboy Bebop - 02-03.nfo").read_text(encoding="utf-8") == snapshot


def parse_nfo(content: bytes) -> list[ET.Element]:
    """Every root element of an NFO (episode NFOs may hold several)."""
    text = content.decode("utf-8")
    assert text.startswith("<?xml")
    body = text.split("?>", 1)[1]
    return list(ET.fromstring(f"<nfo>{body}</nfo>"))


any_text = st.text(alphabet=st.characters(codec=None), max_size=60)


@settings(max_examples=150, deadline=None)
@given(title=any_text, plot=st.one_of(st.none(), any_text), genre=any_text, studio=any_text,
       season_name=any_text, url=any_text, provider=any_text, episode_title=any_text,
       extra_id=any_text)
def test_nfos_are_well_formed_whatever_the_provider_sends(
        title: str, plot: str | None, genre: str, studio: str, season_name: str, url: str,
        provider: str, episode_title: str, extra_id: str) -> None:
    """Arbitrary text (markup, quotes, control characters, lone surrogates) in any field
    still gives XML a parser reads back, with the text intact where XML can carry it."""
    info = SeriesInfo(ref=ProviderRef(provider, "1"), title=title, plot=plot, genres=(genre,),
                      studios=(studio,), rating=7.0, season_names=((1, season_name),),
                      ids=ProviderIds(anilist="1", extra={"custom": extra_id}),
                      artwork=(Artwork(ArtworkKind.POSTER, url),))
    show = tvshow_xml(info, ProviderIds(), primary_id_type="anilist")
    (root,) = parse_nfo(show)
    assert root.tag == "tvshow"
    printable = "".join(c for c in title if c in "\t\n" or (c >= " " and not
                                                              "\ud800" <= c <= "\udfff"))
    if printable.strip() and "\r" not in title and "\ufffe" not in title and "\uffff" not in title:
        assert root.findtext("title") == printable
    details = episode_xml(info, ProviderIds(), [
        Episode("s", 1, 1, title=episode_title, plot=plot),
        Episode("s", 1, 2, title=title, air_date=dt.date(2000, 1, 1)),
    ], primary_id_type="anilist")
    assert [e.tag for e in parse_nfo(details)] == ["episodedetails", "episodedetails"]


def test_locked_nfo_is_kept_unless_forced(series_dir: Path, info: SeriesInfo,
                                          ids: ProviderIds) -> None:
    """An NFO with <lockdata>true</lockdata> is the user's: skipped, then replaced only when
    forced."""
    locked = b"<tvshow><title>Mine</title><lockdata>true</lockdata></tvshow>"
    (series_dir / "tvshow.nfo").write_bytes(locked)
    outcome = write_nfos(series_dir, info, ids, [], primary_id_type="anilist")
    assert [(s.path.name, s.reason) for s in outcome.skipped] == [("tvshow.nfo", SkipReason.LOCKED)]
    assert "locked" in str(outcome.skipped[0])
    assert (series_dir / "tvshow.nfo").read_bytes() == locked
    forced = write_nfos(series_dir, info, ids, [], primary_id_type="anilist", force=True)
    assert forced.written == (series_dir.resolve() / "tvshow.nfo",)
    assert b"Cowboy Bebop" in (series_dir / "tvshow.nfo").read_bytes()


def test_foreign_nfo_is_kept_unless_forced(series_dir: Path, info: SeriesInfo,
                                           ids: ProviderIds, episodes: list[Episode]) -> None:
    """NFOs aniworld did not write (another tool's, the user's) are skipped as not ours."""
    foreign = b'<?xml version="1.0"?>\n<episodedetails><title>Hand made</title></episodedetails>'
    (series_dir / "Cowboy Bebop - 01.nfo").write_bytes(foreign)
    outcome = write_nfos(series_dir, info, ids, episodes, primary_id_type="anilist")
    assert [(s.path.name, s.reason) for s in outcome.skipped] == [
        ("Cowboy Bebop - 01.nfo", SkipReason.NOT_OURS)]
    assert (series_dir / "Cowboy Bebop - 01.nfo").read_bytes() == foreign
    write_nfos(series_dir, info, ids, episodes, primary_id_type="anilist", force=True)
    assert b"Asteroid Blues" in (series_dir / "Cowboy Bebop - 01.nfo").read_bytes()


def test_our_nfo_is_updated_but_an_edited_one_is_kept(series_dir: Path, info: SeriesInfo,
                                                       ids: ProviderIds) -> None:
    """Our own NFO is replaced when the metadata changes, left as is when nothing changed,
    and kept once a person edited it."""
    nfo = series_dir / "tvshow.nfo"
    write_nfos(series_dir, info, ids, [], primary_id_type="anilist")
    again = write_nfos(series_dir, info, ids, [], primary_id_type="anilist")
    assert again.unchanged == (nfo.resolve(),)
    assert again.written == ()
    changed = SeriesInfo(ref=info.ref, title="Cowboy Bebop", plot="A new plot.")
    assert write_nfos(series_dir, changed, ids, [], primary_id_type="anilist").written
    assert b"A new plot." in nfo.read_bytes()
    nfo.write_bytes(nfo.read_bytes().replace(b"A new plot.", b"My own plot."))
    outcome = write_nfos(series_dir, info, ids, [], primary_id_type="anilist")
    assert [s.reason for s in outcome.skipped] == [SkipReason.EDITED]
    assert b"My own plot." in nfo.read_bytes()


def test_episode_whose_file_is_gone_gets_no_nfo(series_dir: Path, info: SeriesInfo,
                                                ids: ProviderIds,
                                                make_episode: Callable[..., Episode]) -> None:
    """An episode whose video file no longer exists is skipped, not given an orphan NFO."""
    outcome = write_nfos(series_dir, info, ids, [make_episode(9, "gone.mkv")],
                         primary_id_type="anilist")
    assert [(s.path.name, s.reason) for s in outcome.skipped] == [("gone.nfo", SkipReason.NO_VIDEO)]
    assert not (series_dir / "gone.nfo").exists()


@pytest.mark.parametrize("file_path", ["../elsewhere.mkv", "/etc/x.mkv"])
def test_episode_paths_stay_in_the_series_folder(series_dir: Path, info: SeriesInfo,
                                                 ids: ProviderIds, file_path: str,
                                                 make_episode: Callable[..., Episode]) -> None:
    """An episode path leading out of the series folder is PathNotAllowed."""
    with pytest.raises(PathNotAllowed):
        write_nfos(series_dir, info, ids, [make_episode(1, file_path)],
                   primary_id_type="anilist")


def test_missing_series_folder_is_a_clear_error(tmp_path: Path, info: SeriesInfo,
                                                ids: ProviderIds) -> None:
    """Writing into a folder that does not exist says so."""
    with pytest.raises(LibraryError, match="does not exist"):
        write_nfos(tmp_path / "nope", info, ids, [], primary_id_type="anilist")
