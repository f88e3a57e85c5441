"""Catalogue, part three: the later seasons, split cours, movies and OVAs of franchises whose
first entry is in the other parts, linked by ``prequel`` (AniList's SEQUEL/PREQUEL edges) and
``parent`` (SIDE_STORY), so the fake AniList answers ``relations`` with realistic chains.

TV entries carry their franchise's TVDB/TMDB/IMDb/TVmaze ids with TVDB's season numbering (split
cours share a season: ``tvdb_offset`` is the episodes of the earlier cours); movies, OVAs and
specials have no TVDB show here. Chains worth knowing:

- Made in Abyss: S1 → the movie *Dawn of the Deep Soul* → S2 (a movie inside the SEQUEL chain).
- Demon Slayer: S1 → the *Mugen Train* movie → Entertainment District Arc → Swordsmith Village
  Arc → Hashira Training Arc. The real chain also has the 7-episode TV cut of the Mugen Train
  arc after the movie, and TVDB's season 2 holds it and the Entertainment District Arc (S02E08-
  18), against the title rule the core follows; the TV cut is left out, so season 2 here is the
  Entertainment District Arc alone.
- Kaguya-sama: S2 → an OVA → S3 (an OVA inside the chain).
- Jujutsu Kaisen: the movie *Jujutsu Kaisen 0* is the TV series' PREQUEL.
- Haikyu!! To the Top Part 2: the romaji title ends in "2" (reads as a season); the English
  and native titles say it is the second part.
- Side stories (``parent``): Tokyo Ghoul [JACK] (OVA), Mob Psycho 100 REIGEN and Steins;Gate's
  Egoistic Poriomania (specials). Steins;Gate 0, a show of its own at TVDB, is Steins;Gate's
  ALTERNATIVE (``related``), not its sequel.
"""

from __future__ import annotations

from aniworld_testing.dataset._build import series
from aniworld_testing.dataset._model import SeriesRecord

_JJK = {"tvdb_id": 377543, "tmdb_id": 95479, "imdb_id": "tt12343534", "tvmaze_id": 48530}
_HAIKYU = {"tvdb_id": 278157, "tmdb_id": 60863, "imdb_id": "tt3398540", "tvmaze_id": 2179}
_HAIKYU_GENRES = ("Comedy", "Drama", "Sports")
_GHOUL = {"tvdb_id": 281183, "tmdb_id": 61374, "imdb_id": "tt3741634", "tvmaze_id": 1926}
_GHOUL_GENRES = ("Action", "Drama", "Horror", "Mystery", "Psychological", "Supernatural")
_REZERO = {"tvdb_id": 305089, "tmdb_id": 65942, "imdb_id": "tt5607616", "tvmaze_id": 17996}
_REZERO_GENRES = ("Action", "Drama", "Fantasy", "Psychological", "Thriller")
_SLAYER = {"tvdb_id": 348545, "tmdb_id": 85937, "imdb_id": "tt9335498", "tvmaze_id": 41469}
_SLAYER_GENRES = ("Action", "Adventure", "Drama", "Fantasy", "Supernatural")
_KAGUYA = {"tvdb_id": 355774, "tmdb_id": 83121, "imdb_id": "tt9522300", "tvmaze_id": 40329}
_KAGUYA_GENRES = ("Comedy", "Psychological", "Romance")

_JUJUTSU_KAISEN = (
    series((131573, 48561), ("Jujutsu Kaisen 0", "JUJUTSU KAISEN 0", "劇場版 呪術廻戦 0"),
           ("MOVIE", "FINISHED", 1, 105), ("2021-12-24", "2021-12-24"), "MAPPA",
           ("Action", "Drama", "Supernatural"),
           "A year before Yuji swallows the finger, a boy haunted by the curse of his childhood "
           "friend enrols at Jujutsu High.",
           synonyms=("Jujutsu Kaisen 0: The Movie",), average_score=84, popularity=400000,
           has_fanart=False),
    series((145064, 51009), ("Jujutsu Kaisen 2nd Season", "JUJUTSU KAISEN Season 2",
                             "呪術廻戦 懐玉・玉折／渋谷事変"),
           ("TV", "FINISHED", 23, 24), ("2023-07-06", "2023-12-28"), "MAPPA",
           ("Action", "Drama", "Supernatural"),
           "Gojo's school days, then the Shibuya Incident, where the curses make their move on "
           "Halloween night.",
           synonyms=("Jujutsu Kaisen: Shibuya Incident",), average_score=86, popularity=500000,
           tvdb_season=2, prequel=113415, **_JJK),
)

_HAIKYUU = (
    series((20992, 28891), ("Haikyuu!! Second Season", "Haikyu!! 2nd Season",
                            "ハイキュー!! セカンドシーズン"),
           ("TV", "FINISHED", 25, 24), ("2015-10-04", "2016-03-27"), "Production I.G",
           _HAIKYU_GENRES,
           "Karasuno trains with Tokyo's powerhouses and fights its way through the spring "
           "preliminaries.",
           average_score=84, popularity=380000, tvdb_season=2, prequel=20464, **_HAIKYU),
    series((21698, 32935), ("Haikyuu!! Karasuno Koukou vs Shiratorizawa Gakuen Koukou",
                            "HAIKYU!! 3rd Season", "ハイキュー!! 烏野高校 VS 白鳥沢学園高校"),
           ("TV", "FINISHED", 10, 24), ("2016-10-08", "2016-12-10"), "Production I.G",
           _HAIKYU_GENRES,
           "One match, five sets: Karasuno against Shiratorizawa for a place at nationals.",
           synonyms=("Haikyuu!! 3rd Season", "Haikyu!! Karasuno High vs Shiratorizawa Academy"),
           average_score=87, popularity=330000, tvdb_season=3, prequel=20992, **_HAIKYU),
    series((106625, 38883), ("Haikyuu!! TO THE TOP", "HAIKYU!! TO THE TOP",
                             "ハイキュー!! TO THE TOP"),
           ("TV", "FINISHED", 13, 24), ("2020-01-11", "2020-04-04"), "Production I.G",
           _HAIKYU_GENRES,
           "Invitations to training camps split the team before the national tournament.",
           synonyms=("Haikyuu!! 4th Season",), average_score=81, popularity=250000,
           tvdb_season=4, prequel=21698, **_HAIKYU),
    series((113538, 40776), ("Haikyuu!! TO THE TOP 2", "HAIKYU!! TO THE TOP Part 2",
                             "ハイキュー!! TO THE TOP 第2クール"),
           ("TV", "FINISHED", 12, 24), ("2020-10-03", "2020-12-19"), "Production I.G",
           _HAIKYU_GENRES,
           "Karasuno faces Inarizaki and the Miya twins in front of a hostile crowd.",
           synonyms=("Haikyuu!! To the Top 2nd Season", "Haikyuu!! To the Top Part 2"),
           average_score=86, popularity=220000, tvdb_season=4, tvdb_offset=13, prequel=106625,
           **_HAIKYU),
)

_TOKYO_GHOUL = (
    series((20850, 27899), ("Tokyo Ghoul √A", "Tokyo Ghoul √A", "東京喰種トーキョーグール√A"),
           ("TV", "FINISHED", 12, 24), ("2015-01-09", "2015-03-27"), "Studio Pierrot",
           _GHOUL_GENRES,
           "Kaneki joins Aogiri Tree while the CCG closes in on Anteiku.",
           synonyms=("Tokyo Ghoul Root A", "Tokyo Ghoul 2nd Season"), average_score=68,
           popularity=480000, tvdb_season=2, prequel=20605, **_GHOUL),
    series((100240, 36511), ("Tokyo Ghoul:re", "Tokyo Ghoul:re", "東京喰種トーキョーグール:re"),
           ("TV", "FINISHED", 12, 24), ("2018-04-03", "2018-06-19"), "Studio Pierrot",
           _GHOUL_GENRES,
           "Two years later, an investigator with no memory of his past leads a squad of "
           "half-ghouls for the CCG.",
           average_score=62, popularity=330000, tvdb_season=3, prequel=20850, **_GHOUL),
    series((102351, 37799), ("Tokyo Ghoul:re 2nd Season", "Tokyo Ghoul:re 2nd Season",
                             "東京喰種トーキョーグール:re 第2期"),
           ("TV", "FINISHED", 12, 24), ("2018-10-09", "2018-12-25"), "Studio Pierrot",
           _GHOUL_GENRES,
           "The war between the CCG and the ghouls comes to its end.",
           average_score=60, popularity=260000, tvdb_season=4, prequel=100240, **_GHOUL),
    series((21132, 27905), ("Tokyo Ghoul: [JACK]", "Tokyo Ghoul: JACK", "東京喰種 [JACK]"),
           ("OVA", "FINISHED", 1, 29), ("2015-09-30", "2015-09-30"), "Studio Pierrot",
           _GHOUL_GENRES,
           "High-schooler Arima and a delinquent friend hunt the ghoul who killed a classmate.",
           average_score=70, popularity=90000, parent=20605, has_fanart=False),
)

_RE_ZERO = (
    series((108632, 39587), ("Re:Zero kara Hajimeru Isekai Seikatsu 2nd Season",
                             "Re:ZERO -Starting Life in Another World- Season 2",
                             "Re:ゼロから始める異世界生活 2nd Season"),
           ("TV", "FINISHED", 13, 29), ("2020-07-08", "2020-09-30"), "White Fox",
           _REZERO_GENRES,
           "Subaru takes on the Sanctuary and the witches' trial, while the world forgets "
           "Rem.",
           average_score=82, popularity=430000, tvdb_season=2, prequel=21355, **_REZERO),
    series((119661, 42203), ("Re:Zero kara Hajimeru Isekai Seikatsu 2nd Season Part 2",
                             "Re:ZERO -Starting Life in Another World- Season 2 Part 2",
                             "Re:ゼロから始める異世界生活 2nd Season Part 2"),
           ("TV", "FINISHED", 12, 25), ("2021-01-06", "2021-03-24"), "White Fox",
           _REZERO_GENRES,
           "The trial of the past, the mansion under siege and a contract with Echidna.",
           average_score=86, popularity=380000, tvdb_season=2, tvdb_offset=13,
           prequel=108632, **_REZERO),
    series((163134, 54857), ("Re:Zero kara Hajimeru Isekai Seikatsu 3rd Season",
                             "Re:ZERO -Starting Life in Another World- Season 3",
                             "Re:ゼロから始める異世界生活 3rd season"),
           ("TV", "FINISHED", 16, 24), ("2024-10-02", "2025-03-26"), "White Fox",
           _REZERO_GENRES,
           "The Witch Cult's archbishops attack the water city of Priestella.",
           average_score=87, popularity=200000, tvdb_season=3, prequel=119661, **_REZERO),
)

_DEMON_SLAYER = (
    series((112151, 40456), ("Kimetsu no Yaiba: Mugen Ressha-hen",
                             "Demon Slayer: Kimetsu no Yaiba -The Movie: Mugen Train-",
                             "劇場版 鬼滅の刃 無限列車編"),
           ("MOVIE", "FINISHED", 1, 117), ("2020-10-16", "2020-10-16"), "ufotable",
           _SLAYER_GENRES,
           "Tanjiro and his friends board a train where passengers vanish, and meet the Flame "
           "Hashira Rengoku.",
           synonyms=("Demon Slayer: Mugen Train",), average_score=84, popularity=500000,
           anidb_id=15183, prequel=101922, has_fanart=False),
    series((142329, 47778), ("Kimetsu no Yaiba: Yuukaku-hen",
                             "Demon Slayer: Kimetsu no Yaiba Entertainment District Arc",
                             "鬼滅の刃 遊郭編"),
           ("TV", "FINISHED", 11, 24), ("2021-12-05", "2022-02-13"), "ufotable",
           _SLAYER_GENRES,
           "The Sound Hashira Tengen Uzui takes Tanjiro, Zenitsu and Inosuke undercover into "
           "the pleasure district.",
           synonyms=("Demon Slayer Season 2",), average_score=86, popularity=450000,
           tvdb_season=2, prequel=112151, **_SLAYER),
    series((145139, 51019), ("Kimetsu no Yaiba: Katanakaji no Sato-hen",
                             "Demon Slayer: Kimetsu no Yaiba Swordsmith Village Arc",
                             "鬼滅の刃 刀鍛冶の里編"),
           ("TV", "FINISHED", 11, 24), ("2023-04-09", "2023-06-18"), "ufotable",
           _SLAYER_GENRES,
           "Upper Moons attack the hidden village of the swordsmiths.",
           synonyms=("Demon Slayer Season 3",), average_score=83, popularity=380000,
           tvdb_season=3, prequel=142329, **_SLAYER),
    series((166240, 55701), ("Kimetsu no Yaiba: Hashira Geiko-hen",
                             "Demon Slayer: Kimetsu no Yaiba Hashira Training Arc",
                             "鬼滅の刃 柱稽古編"),
           ("TV", "FINISHED", 8, 24), ("2024-05-12", "2024-06-30"), "ufotable",
           _SLAYER_GENRES,
           "The Hashira train every demon slayer for the final battle with Muzan.",
           synonyms=("Demon Slayer Season 4",), average_score=80, popularity=250000,
           tvdb_season=4, prequel=145139, **_SLAYER),
)

_KAGUYA_SAMA = (
    series((112641, 40591), ("Kaguya-sama wa Kokurasetai?: Tensai-tachi no Renai Zunousen",
                             "Kaguya-sama: Love is War?",
                             "かぐや様は告らせたい？～天才たちの恋愛頭脳戦～"),
           ("TV", "FINISHED", 12, 24), ("2020-04-11", "2020-06-27"), "A-1 Pictures",
           _KAGUYA_GENRES,
           "A new school year, a council election and still no confession.",
           synonyms=("Kaguya-sama: Love is War Season 2",), average_score=86, popularity=420000,
           tvdb_season=2, prequel=101921, **_KAGUYA),
    series((125368, 43609), ("Kaguya-sama wa Kokurasetai?: Tensai-tachi no Renai Zunousen OVA",
                             "Kaguya-sama: Love is War? OVA",
                             "かぐや様は告らせたい？～天才たちの恋愛頭脳戦～ OVA"),
           ("OVA", "FINISHED", 1, 24), ("2021-05-19", "2021-05-19"), "A-1 Pictures",
           _KAGUYA_GENRES,
           "Three more short battles of wits in the student council room.",
           average_score=81, popularity=150000, anidb_id=15807, prequel=112641,
           has_fanart=False),
    series((125367, 43608), ("Kaguya-sama wa Kokurasetai: Ultra Romantic",
                             "Kaguya-sama: Love is War -Ultra Romantic-",
                             "かぐや様は告らせたい-ウルトラロマンティック-"),
           ("TV", "FINISHED", 13, 24), ("2022-04-09", "2022-06-25"), "A-1 Pictures",
           _KAGUYA_GENRES,
           "The school festival approaches, and both of them plan to confess.",
           synonyms=("Kaguya-sama: Love is War Season 3",), average_score=90, popularity=380000,
           tvdb_season=3, prequel=125368, **_KAGUYA),
)

_SIDE_STORIES = (
    series((100643, 36862), ("Made in Abyss Movie 3: Fukaki Tamashii no Reimei",
                             "Made in Abyss: Dawn of the Deep Soul",
                             "劇場版 メイドインアビス 深き魂の黎明"),
           ("MOVIE", "FINISHED", 1, 105), ("2020-01-17", "2020-01-17"), "Kinema Citrus",
           ("Adventure", "Drama", "Fantasy", "Mystery", "Sci-Fi"),
           "In the fifth layer, Riko, Reg and Nanachi reach the research base of Bondrewd the "
           "Novel.",
           average_score=84, popularity=150000, anidb_id=13612, prequel=97986,
           has_fanart=False),
    series((10863, 10863), ("Steins;Gate: Oukoubakko no Poriomania",
                            "Steins;Gate: Egoistic Poriomania",
                            "STEINS;GATE 横行跋扈のポリオマニア"),
           ("SPECIAL", "FINISHED", 1, 24), ("2012-02-22", "2012-02-22"), "White Fox",
           ("Comedy", "Sci-Fi"),
           "After the true ending, the lab members are caught up in a plan to make a film.",
           average_score=75, popularity=70000, parent=9253, has_fanart=False),
    series((100353, 37105), ("Mob Psycho 100 REIGEN: Shirarezaru Kiseki Reinouryokusha",
                             "Mob Psycho 100: REIGEN - The Miraculous Unknown Psychic",
                             "モブサイコ100 REIGEN ～知られざる奇跡の霊能力者～"),
           ("SPECIAL", "FINISHED", 1, 60), ("2018-03-18", "2018-03-18"), "Bones",
           ("Action", "Comedy", "Slice of Life", "Supernatural"),
           "Reigen tells the story of his career, with a new case he takes on his own.",
           average_score=78, popularity=120000, parent=21507, has_fanart=False),
)

SEASONS: tuple[SeriesRecord, ...] = (
    *_JUJUTSU_KAISEN, *_HAIKYUU, *_TOKYO_GHOUL, *_RE_ZERO, *_DEMON_SLAYER, *_KAGUYA_SAMA,
    *_SIDE_STORIES,
)
