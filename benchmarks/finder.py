"""Benchmark of the finder's search: 200 varied queries against the full catalogue and all Saxon Gemeinden.

Run: ``.venv/bin/python benchmarks/finder.py [--misses]``

Sets up a throw-away SQLite database in a temporary directory, loads the reference data,
then measures in-process latency of ``leistung_search`` and ``place_search`` next to a naive
baseline (Django ORM ``icontains`` / ``startswith``, i.e. SQL LIKE) over the same queries.
Prints a table; no assertions (timings depend on the machine). Also reports search quality
(recall@5, MRR) over the labelled citizen queries of ``benchmarks/data/finder_queries.csv``
(see ``finder_quality.py``); ``--misses`` lists the queries whose expected Leistung is not in the top 5.
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20251130
TOTAL_QUERIES = 200
PLACE_QUERIES = 80

# Realistic citizen input: everyday words, verbs, compounds, umlaut spellings, typos, synonyms.
LEISTUNG_QUERIES = [
    "Hund",
    "Hund anmelden",
    "Hundesteuer",
    "Hundesteur",
    "hundeanmeldung",
    "Hundehaltung abmelden",
    "Umzug",
    "Wohnsitz ummelden",
    "Wohnsitz anmelden",
    "Halteverbot Umzug",
    "Wunschkennzeichen",
    "Wunschkennzeichn reservieren",
    "Kennzeichen",
    "Auto anmelden",
    "Auto abmelden",
    "Kfz Zulassung",
    "Fahrzeug ummelden",
    "Gewerbe anmelden",
    "Gewerbeanmeldung",
    "Gewerbe abmelden",
    "gewerbeummeldung",
    "Gewerbesteuer",
    "Steuer",
    "Personalausweis",
    "Perso beantragen",
    "Personalausweiss verloren",
    "Reisepass",
    "Reisepass beantragen",
    "Kinderreisepass",
    "Führerschein",
    "Fuehrerschein umtauschen",
    "Fuhrerschein",
    "Geburtsurkunde",
    "Geburtsurkunde beantragen",
    "Sterbeurkunde",
    "Eheschließung",
    "Eheschliessung anmelden",
    "Heiraten",
    "Hochzeit",
    "Baugenehmigung",
    "Bauantrag",
    "Baumfällgenehmigung",
    "Baum fällen",
    "Abfall",
    "Sperrmüll",
    "Sperrmuell anmelden",
    "Mülltonne",
    "Wohngeld",
    "Wohngeld beantragen",
    "Elterngeld",
    "Kindergeld",
    "Kita Platz",
    "Kitagebühr",
    "Gebühr Kindertageseinrichtung",
    "Gebuehr",
    "BAföG",
    "Bafoeg",
    "Führungszeugnis",
    "Fuehrungszeugnis beantragen",
    "Meldebescheinigung",
    "Meldebestätigung",
    "Melderegisterauskunft",
    "Auskunftssperre",
    "Fischereischein",
    "Angelschein",
    "Waffenbesitzkarte",
    "Jagdschein",
    "Parkausweis Anwohner",
    "Bewohnerparkausweis",
    "Schwerbehindertenausweis",
    "Parkerleichterung",
    "Grundsteuer",
    "Zweitwohnungsteuer",
    "Straßenreinigung",
    "Sondernutzung Straße",
    "Veranstaltung anmelden",
    "Gaststätte Erlaubnis",
    "Ausschank",
    "Marktstand",
    "Reisegewerbekarte",
    "Schornsteinfeger",
    "Wasser Abwasser Gebühr",
    "Einbürgerung",
    "Aufenthaltstitel",
    "Aufenthaltserlaubnis verlängern",
    "Visum",
    "Asyl",
    "Elternzeit",
    "Unterhaltsvorschuss",
    "Pflegegeld",
    "Rente",
    "Arbeitslosengeld",
    "Bürgergeld",
    "Sozialhilfe",
    "Schulanmeldung",
    "Schülerbeförderung",
    "Bibliotheksausweis",
    "Lebenspartnerschaft",
    "Namensänderung",
    "Vaterschaft anerkennen",
    "Sorgerecht",
    "Beglaubigung",
    "Wahlschein",
    "Briefwahl",
    "Fundsache",
    "Lärmbeschwerde",
    "Grabstelle",
    "Bestattung",
    "Tierhaltung",
    "Katze",
    "Pferd",
    "Bienen",
    "'; DROP TABLE leistung;--<script>",
    "xyzzy qwerty",
]

PLACE_NAMES = [
    "Dresden",
    "Leipzig",
    "Chemnitz",
    "Zwickau",
    "Plauen",
    "Görlitz",
    "Goerlitz",
    "Gorlitz",
    "Bautzen",
    "Budyšin",
    "Annaberg",
    "Annaberg-Buchholz",
    "Buchholz",
    "Freiberg",
    "Pirna",
    "Meißen",
    "Meissen",
    "Radebeul",
    "Riesa",
    "Hoyerswerda",
    "Zittau",
    "Delitzsch",
    "Torgau",
    "Grimma",
    "Döbeln",
    "Jahnatal",
    "Dresdn",
    "Chmenitz",
    "Leipzg",
    "Schneeberg",
    "Oberwiesenthal",
    "Marienberg",
    "Aue",
    "Stadt Dresden",
    "01067 Dresden",
    "Dre",
    "Lei",
    "Ch",
    "neustadt",
    "'; DROP TABLE territory;--",
]

PLACE_CODES = ["01067", "09111", "04109", "02826", "08523", "09456", "01", "04", "091", "0845", "02625"]


def setup_django(var_dir: Path) -> None:
    os.environ["AMTSWEG_MODE"] = "test"
    os.environ["AMTSWEG_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "amtsweg.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def load_reference_data() -> None:
    """Register, PLZ, authorities, catalogue and demo assistants (online offers at a place), as ./dev start."""
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        call_command("bootstrap", verbosity=0, stdout=quiet)


def build_queries() -> tuple[list[str], list[str]]:
    """120 Leistung queries and 80 place queries, all distinct, deterministic."""
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Territory
    from amtsweg.finder.search import text

    rng = random.Random(SEED)

    def typo(word: str) -> str:
        if len(word) < 5:
            return word
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    leistung = list(dict.fromkeys(LEISTUNG_QUERIES))
    names = list(Leistung.objects.order_by("id").values_list("name", flat=True))
    target = TOTAL_QUERIES - PLACE_QUERIES
    while len(leistung) < target:
        words = [w for w in names[rng.randrange(len(names))].split() if len(w) > 3 and w.lower() not in text.STOPWORDS]
        if not words:
            continue
        picked = rng.sample(words, k=min(len(words), rng.choice((1, 1, 2))))
        query = " ".join(typo(w) if rng.random() < 0.3 else w.lower() for w in picked)
        if query not in leistung:
            leistung.append(query)
    leistung = leistung[:target]

    places = list(dict.fromkeys(PLACE_NAMES + PLACE_CODES))
    gemeinden = list(
        Territory.objects.filter(kind="gemeinde", valid_until__isnull=True)
        .order_by("ars")
        .values_list("name", "postal_code")
    )
    while len(places) < PLACE_QUERIES:
        name, plz = gemeinden[rng.randrange(len(gemeinden))]
        short = name.split(",")[0]
        variant = rng.choice(("prefix", "full", "typo", "plz", "folded"))
        if variant == "prefix":
            query = short[: rng.randint(3, max(3, min(8, len(short))))]
        elif variant == "typo":
            query = typo(short)
        elif variant == "plz" and plz:
            query = plz if rng.random() < 0.7 else plz[:3]
        elif variant == "folded":
            query = text.fold(short)
        else:
            query = short
        if query and query not in places:
            places.append(query)
    return leistung, places[:PLACE_QUERIES]


def baseline_leistung(query: str, limit: int = 20) -> list:
    from django.db.models import Q

    from amtsweg.catalog.models import Leistung

    condition = Q()
    for word in query.split():
        condition &= Q(name__icontains=word)
    return list(Leistung.objects.filter(condition).values("id", "slug", "name")[:limit])


def baseline_place(query: str, limit: int = 10) -> list:
    from amtsweg.directory.models import PostalCode, Territory

    if query.strip().isdigit():
        return list(PostalCode.objects.filter(code__startswith=query.strip()).values("code", "gemeinde__name")[:limit])
    return list(
        Territory.objects.filter(kind="gemeinde", valid_until__isnull=True, name__icontains=query).values(
            "ags", "name"
        )[:limit]
    )


def timed(function, queries: list[str]) -> list[float]:
    """Milliseconds per query."""
    from amtsweg.finder.search import QueryError

    result = []
    for query in queries:
        started = time.perf_counter()
        with contextlib.suppress(QueryError):
            function(query)
        result.append((time.perf_counter() - started) * 1000)
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def row(label: str, values: list[float]) -> str:
    return (
        f"{label:<34} {len(values):>5} {statistics.median(values):>9.3f} {percentile(values, 0.95):>9.3f} "
        f"{max(values):>9.3f} {statistics.fmean(values):>9.3f}"
    )


def main() -> None:
    started_total = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="amtsweg-bench-") as tmp:
        setup_django(Path(tmp))
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        load_reference_data()
        load_seconds = time.perf_counter() - started

        from amtsweg.catalog.models import Leistung
        from amtsweg.directory.models import Territory
        from amtsweg.finder import search
        from amtsweg.finder.search import index

        search.reset_indexes()
        started = time.perf_counter()
        leistung_index = index.build_leistung_index()
        leistung_build = time.perf_counter() - started
        started = time.perf_counter()
        place_index = index.build_place_index()
        place_build = time.perf_counter() - started
        search.warm_indexes()

        leistung_queries, place_queries = build_queries()
        # Warm the interpreter's code paths on queries outside the measured set (no result caching).
        for warm in ("Warmlauf", "Test"):
            search.leistung_search(query=warm)
            search.place_search(query=warm)
            baseline_leistung(warm)
            baseline_place(warm)

        ours_l = timed(lambda q: search.leistung_search(query=q, limit=20), leistung_queries)
        ours_p = timed(lambda q: search.place_search(query=q, limit=10), place_queries)
        base_l = timed(baseline_leistung, leistung_queries)
        base_p = timed(baseline_place, place_queries)
        ours_all = ours_l + ours_p
        base_all = base_l + base_p
        empty = sum(1 for q in leistung_queries if not _safe(search.leistung_search, q))
        empty_p = sum(1 for q in place_queries if not _safe(search.place_search, q))

        gemeinden = Territory.objects.filter(kind="gemeinde", valid_until__isnull=True).count()
        print()
        print("Amtsweg finder benchmark")
        print(
            f"  data: {Leistung.objects.count()} Leistungen, {gemeinden} Gemeinden (bootstrap with demo assistants "
            f"in {load_seconds:.1f} s)"
        )
        print(
            f"  index build: Leistungen {leistung_build * 1000:.0f} ms ({len(leistung_index)} docs, "
            f"{leistung_index.vocabulary_size} words), Orte {place_build * 1000:.0f} ms ({len(place_index)} Gemeinden)"
        )
        print(
            f"  queries: {len(leistung_queries)} Leistung + {len(place_queries)} place = {len(ours_all)} "
            f"(no result: {empty} Leistung, {empty_p} place)"
        )
        print()
        print(f"{'latency in ms':<34} {'n':>5} {'p50':>9} {'p95':>9} {'max':>9} {'mean':>9}")
        print(row("leistung_search", ours_l))
        print(row("place_search", ours_p))
        print(row("index, all queries", ours_all))
        print(row("baseline LIKE, Leistung queries", base_l))
        print(row("baseline LIKE, place queries", base_p))
        print(row("baseline LIKE, all queries", base_all))
        print()
        for label, ours, base in (
            ("p50", statistics.median(ours_all), statistics.median(base_all)),
            ("p95", percentile(ours_all, 0.95), percentile(base_all, 0.95)),
            ("mean", statistics.fmean(ours_all), statistics.fmean(base_all)),
        ):
            print(f"speed-up vs baseline ({label}): {base / ours:.1f}x")
        print(
            "targets: p95 < 20 ms (all), place p95 < 30 ms, >= 10x baseline; "
            f"total run {time.perf_counter() - started_total:.1f} s"
        )
        print()
        import finder_quality

        for path in (finder_quality.QUERIES_FILE, finder_quality.HOLDOUT_FILE):
            quality = finder_quality.evaluate(finder_quality.search_as_results_page, finder_quality.load_queries(path))
            finder_quality.report(quality, label=path.name, show_misses="--misses" in sys.argv)


def _safe(function, query: str) -> list:
    from amtsweg.finder.search import QueryError

    try:
        return function(query=query)
    except QueryError:
        return []


if __name__ == "__main__":
    main()
