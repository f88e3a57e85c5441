"""Deterministic made-up series for scale tests and benchmarks.

Series ``n`` depends on ``n`` alone, so ``generated(10, start_id=900_005)`` returns the same
records as the last ten of ``generated(15)``. Every numeric id of series ``n`` is ``n`` itself
(AniList, MAL, AniDB, TVDB, TMDB, TVmaze); its IMDb id is ``tt{90000000 + n}``. Titles are unique
among any 10,368 consecutive ids.
"""

from __future__ import annotations

import datetime as dt

from aniworld_testing.dataset._model import SeriesRecord

#: The first id ``generated()`` uses: above every real id of every service in the catalogue.
GENERATED_START_ID = 900_000

_ADJECTIVES = (
    ("Crimson", "Akai", "赤い"), ("Silent", "Shizuka na", "静かな"), ("Blue", "Aoi", "青い"),
    ("Distant", "Tooi", "遠い"), ("Golden", "Kiniro no", "金色の"),
    ("Hidden", "Kakureta", "隠れた"), ("Last", "Saigo no", "最後の"),
    ("Lost", "Ushinawareta", "失われた"), ("Morning", "Asa no", "朝の"),
    ("Night", "Yoru no", "夜の"), ("Northern", "Kita no", "北の"), ("Paper", "Kami no", "紙の"),
    ("Quiet", "Odayaka na", "穏やかな"), ("Rain", "Ame no", "雨の"),
    ("Secret", "Himitsu no", "秘密の"), ("Silver", "Giniro no", "銀色の"),
    ("Spring", "Haru no", "春の"), ("Starlit", "Hoshizora no", "星空の"),
    ("Summer", "Natsu no", "夏の"), ("Winter", "Fuyu no", "冬の"), ("White", "Shiroi", "白い"),
    ("Wild", "Araburu", "荒ぶる"), ("Iron", "Tetsu no", "鉄の"), ("Glass", "Garasu no", "硝子の"),
)
_NOUNS = (
    ("Harbor", "Minato", "港"), ("Garden", "Niwa", "庭"), ("Tower", "Tou", "塔"),
    ("Forest", "Mori", "森"), ("River", "Kawa", "川"), ("Station", "Eki", "駅"),
    ("Library", "Toshokan", "図書館"), ("Lantern", "Chouchin", "提灯"),
    ("Mountain", "Yama", "山"), ("Island", "Shima", "島"), ("Comet", "Suisei", "彗星"),
    ("Shrine", "Jinja", "神社"), ("Bridge", "Hashi", "橋"), ("Sword", "Tsurugi", "剣"),
    ("Letter", "Tegami", "手紙"), ("Clockwork", "Karakuri", "絡繰"),
    ("Festival", "Matsuri", "祭り"), ("Orchestra", "Gakudan", "楽団"),
    ("Kingdom", "Oukoku", "王国"), ("Academy", "Gakuen", "学園"),
    ("Lighthouse", "Toudai", "灯台"), ("Railway", "Tetsudou", "鉄道"), ("Dragon", "Ryuu", "竜"),
    ("Moon", "Tsuki", "月"),
)
_SUFFIXES = (
    ("Chronicle", "Monogatari", "物語"), ("Diaries", "Nikki", "日記"),
    ("Saga", "Saga", "サーガ"), ("Requiem", "Requiem", "レクイエム"),
    ("Rhapsody", "Kyousoukyoku", "狂想曲"), ("Odyssey", "Hyouryuuki", "漂流記"),
    ("Legends", "Densetsu", "伝説"), ("Days", "Hibi", "日々"), ("Journey", "Tabi", "旅"),
    ("Songs", "Uta", "歌"), ("Tales", "Kitan", "奇譚"), ("Memories", "Kioku", "記憶"),
    ("Blues", "Blues", "ブルース"), ("Frontier", "Kyoukai", "境界"),
    ("Horizon", "Chiheisen", "地平線"), ("Promise", "Yakusoku", "約束"),
    ("Wanderers", "Tabibito", "旅人"), ("Etude", "Renshuukyoku", "練習曲"),
)
_STUDIOS = ("Studio Lumen", "Kiln Animation", "Paper Crane", "Harbor Light", "Studio Tessera",
            "Blue Lantern", "Night Train Works", "Atelier Kumo")
_GENRES = ("Action", "Adventure", "Comedy", "Drama", "Fantasy", "Mystery", "Romance", "Sci-Fi",
           "Slice of Life", "Sports", "Supernatural", "Thriller")
_EPOCH = dt.date(2000, 1, 1)


def generated_record(n: int) -> SeriesRecord:
    """Generated series ``n``; see the module docstring for its ids."""
    # Knuth's multiplicative hash, high bits: neighbouring ids get unrelated attributes.
    mixed = (n * 2654435761) % 4294967296 >> 12
    adjective = _ADJECTIVES[n % 24]
    noun = _NOUNS[(n // 24) % 24]
    suffix = _SUFFIXES[(n // 576) % 18]
    english = f"{adjective[0]} {noun[0]} {suffix[0]}"
    romaji = f"{adjective[1]} {noun[1]} {suffix[1]}"
    fmt, episodes, duration = "TV", (12, 13, 24, 25, 26)[mixed % 5], 24
    if n % 10 == 3:
        fmt, episodes, duration = "MOVIE", 1, 95 + mixed % 40
    elif n % 10 == 7:
        fmt, episodes = "ONA", 10
    elif n % 50 == 11:
        episodes = 150  # long enough to need several pages of episodes
    releasing = n % 20 == 9 and fmt == "TV"
    start = _EPOCH + dt.timedelta(days=mixed % 9000)
    aired = episodes - 3 if releasing else episodes
    has_show = fmt != "MOVIE"
    return SeriesRecord(
        anilist_id=n,
        mal_id=n,
        romaji=romaji,
        english=english,
        native=f"{adjective[2]}{noun[2]}{suffix[2]}",
        format=fmt,
        status="RELEASING" if releasing else "FINISHED",
        episodes=episodes,
        aired_episodes=aired,
        duration=duration,
        start_date=start,
        end_date=start + dt.timedelta(weeks=max(aired - 1, 0)),
        studio=_STUDIOS[mixed % len(_STUDIOS)],
        genres=(_GENRES[mixed % 12], _GENRES[(mixed % 12 + 1 + (mixed // 12) % 11) % 12]),
        description=f"{english} is a generated series for tests and benchmarks.",
        average_score=50 + mixed % 40,
        popularity=mixed % 100_000,
        anidb_id=n,
        tvdb_id=n if has_show else None,
        tmdb_id=n if has_show else None,
        imdb_id=f"tt{90_000_000 + n}",
        tvmaze_id=n if has_show else None,
        has_fanart=n % 5 != 0,
        generated=True,
    )


def generated(count: int, start_id: int = GENERATED_START_ID) -> tuple[SeriesRecord, ...]:
    """``count`` generated series with ids ``start_id``, ``start_id + 1``, ..."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    return tuple(generated_record(n) for n in range(start_id, start_id + count))
