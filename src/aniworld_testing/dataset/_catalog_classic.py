"""Catalogue, part one: series that started before 2016.

Ids are the real ones where they are well known and plausible otherwise; descriptions are
short summaries written for this dataset.
"""

from __future__ import annotations

from aniworld_testing.dataset._build import series
from aniworld_testing.dataset._model import SeriesRecord

_BEBOP_EPISODES = (
    "Asteroid Blues", "Stray Dog Strut", "Honky Tonk Women", "Gateway Shuffle",
    "Ballad of Fallen Angels", "Sympathy for the Devil", "Heavy Metal Queen", "Waltz for Venus",
    "Jamming with Edward", "Ganymede Elegy", "Toys in the Attic", "Jupiter Jazz (Part 1)",
    "Jupiter Jazz (Part 2)", "Bohemian Rhapsody", "My Funny Valentine", "Black Dog Serenade",
    "Mushroom Samba", "Speak Like a Child", "Wild Horses", "Pierrot le Fou",
    "Boogie Woogie Feng Shui", "Cowboy Funk", "Brain Scratch", "Hard Luck Woman",
    "The Real Folk Blues (Part 1)", "The Real Folk Blues (Part 2)",
)

_DEATH_NOTE_EPISODES = (
    "Rebirth", "Confrontation", "Dealings", "Pursuit", "Tactics", "Unraveling", "Overcast",
    "Glare", "Encounter", "Doubt", "Assault", "Love", "Confession", "Friend", "Wager",
    "Decision", "Execution", "Ally", "Matsuda", "Makeshift", "Performance", "Guidance",
    "Frenzy", "Revival", "Silence", "Renewal", "Abduction", "Impatience", "Father", "Justice",
    "Transfer", "Selection", "Scorn", "Vigilance", "Malice", "1.28", "New World",
)

_ONE_PIECE_FILLERS = (
    (54, 61), (98, 99), (102, 102), (131, 143), (196, 206), (213, 216), (220, 226),
    (279, 283), (291, 292), (303, 303), (317, 319), (326, 336), (382, 384), (406, 407),
    (426, 429), (457, 458), (492, 492), (542, 542), (575, 578), (590, 590), (626, 628),
    (747, 750), (780, 782), (895, 896), (907, 907), (1029, 1030),
)

_NARUTO_FILLERS = ((26, 26), (97, 97), (101, 106), (136, 141), (143, 219))

CLASSIC: tuple[SeriesRecord, ...] = (
    series((1, 1), ("Cowboy Bebop", "Cowboy Bebop", "カウボーイビバップ"),
           ("TV", "FINISHED", 26, 24), ("1998-04-03", "1999-04-24"), "Sunrise",
           ("Action", "Adventure", "Drama", "Sci-Fi"),
           "In 2071 a ragtag crew of bounty hunters drifts through the solar system aboard the "
           "Bebop, chasing paychecks and running from their pasts.\n\nSpike, Jet, Faye, Ed and "
           "Ein rarely catch the bounty, but always catch the blues.",
           average_score=86, popularity=380000, anidb_id=23, tvdb_id=76885, tmdb_id=30991,
           imdb_id="tt0213338", tvmaze_id=1253, episode_titles=_BEBOP_EPISODES),
    series((5, 5), ("Cowboy Bebop: Tengoku no Tobira", "Cowboy Bebop: The Movie",
                    "カウボーイビバップ 天国の扉"),
           ("MOVIE", "FINISHED", 1, 115), ("2001-09-01", "2001-09-01"), "Bones",
           ("Action", "Drama", "Mystery", "Sci-Fi"),
           "Days before Halloween on Mars, a bioterror attack sends the Bebop crew after the "
           "biggest bounty of their lives.",
           synonyms=("Knockin' on Heaven's Door",), average_score=82, popularity=110000,
           anidb_id=9, parent=1, has_fanart=False),
    series((121, 121), ("Hagane no Renkinjutsushi", "Fullmetal Alchemist", "鋼の錬金術師"),
           ("TV", "FINISHED", 51, 24), ("2003-10-04", "2004-10-02"), "Bones",
           ("Action", "Adventure", "Drama", "Fantasy"),
           "Two brothers pay a terrible price for trying to bring their mother back with "
           "alchemy, and set out to find the Philosopher's Stone.",
           synonyms=("FMA", "Hagaren"), average_score=80, popularity=300000, anidb_id=979,
           tvdb_id=75579, tmdb_id=31910, imdb_id="tt0421357", tvmaze_id=2134),
    series((457, 457), ("Mushishi", "Mushi-Shi", "蟲師"),
           ("TV", "FINISHED", 26, 25), ("2005-10-23", "2006-06-19"), "Artland",
           ("Adventure", "Mystery", "Slice of Life", "Supernatural"),
           "Ginko wanders the countryside studying mushi, the simplest forms of life, and "
           "helping the people their presence troubles.",
           synonyms=("Mushi-shi", "Bug Master"), average_score=85, popularity=150000,
           anidb_id=3398, tvdb_id=79709, tmdb_id=26209, imdb_id="tt0807832", tvmaze_id=6053),
    series((1535, 1535), ("DEATH NOTE", "Death Note", "デスノート"),
           ("TV", "FINISHED", 37, 23), ("2006-10-04", "2007-06-27"), "Madhouse",
           ("Mystery", "Psychological", "Supernatural", "Thriller"),
           "A brilliant student finds a notebook that kills anyone whose name is written in it, "
           "and a reclusive detective sets out to catch him.",
           synonyms=("DN",), average_score=84, popularity=900000, anidb_id=4563,
           tvdb_id=79481, tmdb_id=13916, imdb_id="tt0877057", tvmaze_id=1398,
           episode_titles=_DEATH_NOTE_EPISODES),
    series((5114, 5114), ("Hagane no Renkinjutsushi: FULLMETAL ALCHEMIST",
                          "Fullmetal Alchemist: Brotherhood", "鋼の錬金術師 FULLMETAL ALCHEMIST"),
           ("TV", "FINISHED", 64, 24), ("2009-04-05", "2010-07-04"), "Bones",
           ("Action", "Adventure", "Drama", "Fantasy"),
           "The Elric brothers search for the Philosopher's Stone and uncover a conspiracy that "
           "reaches the top of the Amestris military, following the manga to its end.",
           synonyms=("FMA:B", "Fullmetal Alchemist Brotherhood", "Hagaren"), average_score=90,
           popularity=850000, anidb_id=6107, tvdb_id=85249, tmdb_id=31911,
           imdb_id="tt1355642", tvmaze_id=1405),
    series((9253, 9253), ("Steins;Gate", "Steins;Gate", "STEINS;GATE"),
           ("TV", "FINISHED", 24, 24), ("2011-04-06", "2011-09-14"), "White Fox",
           ("Drama", "Psychological", "Sci-Fi", "Thriller"),
           "A self-proclaimed mad scientist discovers that his microwave can send text messages "
           "into the past, and every change he makes has a cost.",
           synonyms=("Steins Gate", "SG"), average_score=89, popularity=700000,
           anidb_id=7729, tvdb_id=244061, tmdb_id=42509, imdb_id="tt1910272", tvmaze_id=4281),
    series((16498, 16498), ("Shingeki no Kyojin", "Attack on Titan", "進撃の巨人"),
           ("TV", "FINISHED", 25, 24), ("2013-04-07", "2013-09-29"), "Wit Studio",
           ("Action", "Drama", "Fantasy", "Mystery"),
           "Humanity lives behind enormous walls that keep out the man-eating Titans, until the "
           "day a colossal one breaks through.",
           synonyms=("AoT", "SnK", "Shingeki"), average_score=85, popularity=1000000,
           anidb_id=9541, tvdb_id=267440, tmdb_id=1429, imdb_id="tt2560140", tvmaze_id=919),
    series((20, 20), ("NARUTO", "Naruto", "NARUTO -ナルト-"),
           ("TV", "FINISHED", 220, 23), ("2002-10-03", "2007-02-08"), "Studio Pierrot",
           ("Action", "Adventure", "Comedy", "Drama", "Fantasy"),
           "An orphaned ninja who carries a sealed fox demon dreams of becoming the leader of "
           "his village.",
           average_score=79, popularity=780000, anidb_id=239, tvdb_id=78857, tmdb_id=46260,
           imdb_id="tt0409591", tvmaze_id=1517, fillers=_NARUTO_FILLERS),
    series((21, 21), ("ONE PIECE", "ONE PIECE", "ONE PIECE"),
           ("TV", "RELEASING", None, 24), ("1999-10-20", "2025-03-30"), "Toei Animation",
           ("Action", "Adventure", "Comedy", "Drama", "Fantasy"),
           "Monkey D. Luffy, a boy made of rubber, sails the Grand Line with his crew in search "
           "of the legendary treasure One Piece.",
           synonyms=("OP",), aired=1122, average_score=88, popularity=560000, anidb_id=69,
           tvdb_id=81797, tmdb_id=37854, imdb_id="tt0388629", tvmaze_id=1505,
           fillers=_ONE_PIECE_FILLERS, recaps=(590, 907)),
    series((235, 235), ("Meitantei Conan", "Case Closed", "名探偵コナン"),
           ("TV", "RELEASING", None, 24), ("1996-01-08", "2025-03-29"), "TMS Entertainment",
           ("Adventure", "Comedy", "Mystery"),
           "A teenage detective shrunk into a child's body solves case after case while hunting "
           "the organisation that poisoned him.",
           synonyms=("Detective Conan",), aired=1158, average_score=82, popularity=120000,
           anidb_id=266, tvdb_id=72071, tmdb_id=30983, imdb_id="tt0131179", tvmaze_id=6089),
    series((19, 19), ("MONSTER", "Monster", "MONSTER"),
           ("TV", "FINISHED", 74, 24), ("2004-04-07", "2005-09-28"), "Madhouse",
           ("Drama", "Horror", "Mystery", "Psychological", "Thriller"),
           "A surgeon who saved a boy's life learns, years later, that the boy grew into a "
           "serial killer, and follows him across Germany.",
           average_score=88, popularity=250000, anidb_id=1512, tvdb_id=79698, tmdb_id=30981,
           imdb_id="tt0434706", tvmaze_id=3037),
    series((6, 6), ("TRIGUN", "Trigun", "TRIGUN"),
           ("TV", "FINISHED", 26, 24), ("1998-04-01", "1998-09-30"), "Madhouse",
           ("Action", "Adventure", "Comedy", "Drama", "Sci-Fi"),
           "Vash the Stampede has a sixty-billion-double-dollar bounty on his head and a "
           "stubborn refusal to kill anyone.",
           average_score=79, popularity=130000, anidb_id=11, tvdb_id=72897, tmdb_id=1092,
           imdb_id="tt0251439", tvmaze_id=3124),
    series((30, 30), ("Shin Seiki Evangelion", "Neon Genesis Evangelion", "新世紀エヴァンゲリオン"),
           ("TV", "FINISHED", 26, 24), ("1995-10-04", "1996-03-27"), "Gainax",
           ("Action", "Drama", "Mecha", "Mystery", "Psychological", "Sci-Fi"),
           "Fourteen-year-old Shinji is summoned by his estranged father to pilot a giant "
           "biomechanical weapon against the Angels.",
           synonyms=("Evangelion", "Eva", "NGE"), average_score=83, popularity=400000,
           anidb_id=22, tvdb_id=70350, tmdb_id=890, imdb_id="tt0112159", tvmaze_id=1474),
    series((11061, 11061), ("HUNTER×HUNTER (2011)", "Hunter x Hunter (2011)",
                            "HUNTER×HUNTER (2011)"),
           ("TV", "FINISHED", 148, 23), ("2011-10-02", "2014-09-24"), "Madhouse",
           ("Action", "Adventure", "Fantasy"),
           "Gon leaves his island to become a Hunter and find the father who chose that life "
           "over him.",
           synonyms=("HxH", "HxH 2011"), average_score=89, popularity=700000, anidb_id=8550,
           tvdb_id=252322, tmdb_id=46298, imdb_id="tt2098220", tvmaze_id=1441),
    series((1575, 1575), ("Code Geass: Hangyaku no Lelouch", "Code Geass: Lelouch of the Rebellion",
                          "コードギアス 反逆のルルーシュ"),
           ("TV", "FINISHED", 25, 24), ("2006-10-06", "2007-07-29"), "Sunrise",
           ("Action", "Drama", "Mecha", "Sci-Fi", "Thriller"),
           "An exiled prince gains the power of absolute obedience and leads a rebellion against "
           "the empire that conquered Japan.",
           synonyms=("Code Geass",), average_score=85, popularity=600000, anidb_id=4521,
           tvdb_id=79525, tmdb_id=31724, imdb_id="tt0994314", tvmaze_id=1569),
    series((2904, 2904), ("Code Geass: Hangyaku no Lelouch R2",
                          "Code Geass: Lelouch of the Rebellion R2",
                          "コードギアス 反逆のルルーシュR2"),
           ("TV", "FINISHED", 25, 24), ("2008-04-06", "2008-09-28"), "Sunrise",
           ("Action", "Drama", "Mecha", "Sci-Fi", "Thriller"),
           "A year after the Black Rebellion failed, Lelouch wakes to a false life and takes up "
           "the mask of Zero once more.",
           average_score=88, popularity=500000, anidb_id=5842, tvdb_id=79525, tmdb_id=31724,
           imdb_id="tt0994314", tvmaze_id=1569, tvdb_season=2, prequel=1575),
    series((205, 205), ("Samurai Champloo", "Samurai Champloo", "サムライチャンプルー"),
           ("TV", "FINISHED", 26, 24), ("2004-05-20", "2005-03-19"), "Manglobe",
           ("Action", "Adventure", "Comedy"),
           "A wild swordsman, a stoic ronin and a waitress roam Edo-period Japan in search of "
           "the samurai who smells of sunflowers.",
           average_score=85, popularity=300000, anidb_id=1543, tvdb_id=79089, tmdb_id=45859,
           imdb_id="tt0423731", tvmaze_id=2094),
    series((918, 918), ("Gintama", "Gintama", "銀魂"),
           ("TV", "FINISHED", 201, 24), ("2006-04-04", "2010-03-25"), "Sunrise",
           ("Action", "Comedy", "Drama", "Sci-Fi"),
           "In an Edo occupied by aliens, a lazy samurai takes odd jobs with his two "
           "companions, and nothing goes as planned.",
           synonyms=("Gin Tama",), average_score=87, popularity=220000, anidb_id=3468,
           tvdb_id=79895, tmdb_id=57911, imdb_id="tt0988818", tvmaze_id=6182,
           recaps=(50, 100)),
    series((467, 467), ("Koukaku Kidoutai: STAND ALONE COMPLEX",
                        "Ghost in the Shell: Stand Alone Complex",
                        "攻殻機動隊 STAND ALONE COMPLEX"),
           ("TV", "FINISHED", 26, 25), ("2002-10-01", "2003-03-25"), "Production I.G",
           ("Action", "Mecha", "Mystery", "Sci-Fi"),
           "Major Kusanagi and Public Security Section 9 investigate cyber-crime in a world "
           "where minds can be hacked.",
           synonyms=("GitS: SAC",), average_score=82, popularity=110000, anidb_id=247,
           tvdb_id=78994, tmdb_id=26292, imdb_id="tt0346314", tvmaze_id=2232),
    series((339, 339), ("serial experiments lain", "Serial Experiments Lain",
                        "serial experiments lain"),
           ("TV", "FINISHED", 13, 23), ("1998-07-06", "1998-09-28"), "Triangle Staff",
           ("Drama", "Mystery", "Psychological", "Sci-Fi", "Supernatural"),
           "After a classmate's suicide, a quiet girl is drawn ever deeper into the Wired.",
           synonyms=("Lain",), average_score=79, popularity=170000, anidb_id=50,
           tvdb_id=78872, tmdb_id=1306, imdb_id="tt0500092", tvmaze_id=3411,
           has_fanart=False),
    series((329, 329), ("Planetes", "Planetes", "プラネテス"),
           ("TV", "FINISHED", 26, 24), ("2003-10-04", "2004-04-17"), "Sunrise",
           ("Drama", "Romance", "Sci-Fi"),
           "In 2075 a crew of orbital debris collectors clears the junk that threatens every "
           "flight out of Earth's orbit.",
           average_score=83, popularity=60000, anidb_id=1224, tvdb_id=76886, tmdb_id=26287,
           imdb_id="tt0816398", tvmaze_id=7712),
    series((4224, 4224), ("Toradora!", "Toradora!", "とらドラ！"),
           ("TV", "FINISHED", 25, 23), ("2008-10-02", "2009-03-26"), "J.C.Staff",
           ("Comedy", "Drama", "Romance", "Slice of Life"),
           "A gentle boy with a fearsome face and a tiny girl with a fierce temper agree to "
           "help each other win over their crushes.",
           average_score=80, popularity=520000, anidb_id=5946, tvdb_id=81856, tmdb_id=35935,
           imdb_id="tt1279024", tvmaze_id=5311),
    series((10087, 10087), ("Fate/Zero", "Fate/Zero", "Fate/Zero"),
           ("TV", "FINISHED", 13, 24), ("2011-10-02", "2011-12-24"), "ufotable",
           ("Action", "Fantasy", "Supernatural"),
           "Seven mages summon seven heroic spirits to fight for the Holy Grail in the Fourth "
           "Holy Grail War.",
           average_score=82, popularity=380000, anidb_id=8560, tvdb_id=247251, tmdb_id=45845,
           imdb_id="tt2051178", tvmaze_id=4418),
    series((11757, 11757), ("Sword Art Online", "Sword Art Online", "ソードアート・オンライン"),
           ("TV", "FINISHED", 25, 23), ("2012-07-08", "2012-12-23"), "A-1 Pictures",
           ("Action", "Adventure", "Fantasy", "Romance"),
           "Ten thousand players are trapped in a virtual reality game where dying in the game "
           "means dying for real.",
           synonyms=("SAO",), average_score=68, popularity=800000, anidb_id=8692,
           tvdb_id=259640, tmdb_id=45782, imdb_id="tt2250192", tvmaze_id=4436),
    series((20605, 22319), ("Tokyo Ghoul", "Tokyo Ghoul", "東京喰種トーキョーグール"),
           ("TV", "FINISHED", 12, 24), ("2014-07-04", "2014-09-19"), "Studio Pierrot",
           ("Action", "Drama", "Horror", "Mystery", "Psychological", "Supernatural"),
           "A college student survives a ghoul attack only to wake up half ghoul himself.",
           average_score=75, popularity=750000, anidb_id=10293, tvdb_id=281183, tmdb_id=61374,
           imdb_id="tt3741634", tvmaze_id=1926),
    series((20464, 20583), ("Haikyuu!!", "Haikyu!!", "ハイキュー!!"),
           ("TV", "FINISHED", 25, 24), ("2014-04-06", "2014-09-21"), "Production I.G",
           ("Comedy", "Drama", "Sports"),
           "A short boy with an enormous jump joins his high school volleyball team alongside "
           "his former rival.",
           average_score=81, popularity=560000, anidb_id=10159, tvdb_id=278157, tmdb_id=60863,
           imdb_id="tt3398540", tvmaze_id=2179),
    series((20592, 22135), ("Ping Pong THE ANIMATION", "Ping Pong the Animation",
                            "ピンポン THE ANIMATION"),
           ("TV", "FINISHED", 11, 23), ("2014-04-11", "2014-06-20"), "Tatsunoko Production",
           ("Drama", "Psychological", "Sports"),
           "Two childhood friends, one cheerful and one expressionless, grow up through table "
           "tennis.",
           average_score=84, popularity=110000, anidb_id=10202, tvdb_id=279822, tmdb_id=61415,
           imdb_id="tt3654796", tvmaze_id=7435, has_fanart=False),
    series((20665, 23273), ("Shigatsu wa Kimi no Uso", "Your Lie in April", "四月は君の嘘"),
           ("TV", "FINISHED", 22, 23), ("2014-10-10", "2015-03-20"), "A-1 Pictures",
           ("Drama", "Music", "Romance"),
           "A piano prodigy who can no longer hear his own playing meets a free-spirited "
           "violinist.",
           synonyms=("Kimiuso",), average_score=85, popularity=570000, anidb_id=10529,
           tvdb_id=281249, tmdb_id=61663, imdb_id="tt3915174", tvmaze_id=2436),
    series((21087, 30276), ("One Punch Man", "One-Punch Man", "ワンパンマン"),
           ("TV", "FINISHED", 12, 24), ("2015-10-05", "2015-12-21"), "Madhouse",
           ("Action", "Comedy", "Sci-Fi", "Supernatural"),
           "A hero who can beat any opponent with a single punch struggles with boredom.",
           synonyms=("OPM",), average_score=83, popularity=870000, anidb_id=10740,
           tvdb_id=293088, tmdb_id=63926, imdb_id="tt4508902", tvmaze_id=4201),
)
