"""The SAKD newsletter's roll-out table imported as adoption data: its structure is reproduced, and the
monitor, the Kurzstatus (HTML and CSV), the open-data CSV/JSON and the API give identical numbers."""

import csv
import io
import re
from html import unescape

import pytest

from amtsweg.rollout import seed
from amtsweg.rollout.report import percent

pytestmark = pytest.mark.django_db
DAY = seed.STICHTAG.isoformat()


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))


def _cells(html: str, marker: str) -> list[list[str]]:
    """Rows of the first table after ``marker``: the text of each cell, tags stripped."""
    part = html[html.index(marker) :]
    body = part[part.index("<tbody") : part.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[_text(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)] for r in rows]


def _text(cell: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<sup.*?</sup>|<[^>]+>", "", cell))).strip()


def test_newsletter_counts_and_one_computation_everywhere(client):
    assert seed.seed_load() == sum(r.count for r in seed.ROWS)

    api = client.get(f"/api/v1/abdeckung/leistungen/?stichtag={DAY}").json()["leistungen"]
    # Structure of the newsletter's table: every row, with the published number of authorities.
    assert {x["leistung"]: x["behoerden_mit_angebot"] for x in api} == {r.title: r.count for r in seed.ROWS}
    # Kfz as published: 13 → 100 %, 12 → 92 % of the authorities.
    by_title = {x["leistung"]: x for x in api}
    assert by_title["Kfz-Wunschkennzeichen"]["anteil_behoerden"] == 1.0
    assert percent(by_title["Feinstaubplakette"]["anteil_behoerden"]) == "92 %"
    # Default order like the newsletter: by population share, highest first.
    shares = [x["anteil_einwohner"] for x in api]
    assert shares == sorted(shares, reverse=True)

    open_csv = _csv(client.get(f"/rollout/abdeckung.csv?stichtag={DAY}").content.decode())
    report_csv = _csv(client.get(f"/rollout/kurzstatus.csv?stichtag={DAY}").content.decode())
    json_rows = client.get(f"/rollout/abdeckung.json?stichtag={DAY}").json()["leistungen"]
    monitor = _cells(client.get(f"/rollout/?stichtag={DAY}").content.decode(), "Stand des Roll-outs in")
    report = _cells(client.get(f"/rollout/kurzstatus/?stichtag={DAY}").content.decode(), "Stand des Roll-outs</h2>")
    assert len(api) == len(open_csv) == len(report_csv) == len(json_rows) == len(monitor) == len(report)
    for i, x in enumerate(api):
        single = client.get(f"/api/v1/abdeckung/?leika={x['leika']}&stichtag={DAY}").json()
        assert {k: single[k] for k in x} == x
        assert json_rows[i] == x
        o, r = open_csv[i], report_csv[i]
        assert (o["leika"], r["leika"]) == (x["leika"], x["leika"])
        assert int(o["behoerden_mit_angebot"]) == int(r["anzahl"]) == x["behoerden_mit_angebot"]
        assert int(o["behoerden_zustaendig"]) == int(r["behoerden_zustaendig"]) == x["behoerden_zustaendig"]
        assert int(o["einwohner_mit_angebot"]) == int(r["einwohner_mit_angebot"]) == x["einwohner_mit_angebot"]
        assert float(o["anteil_behoerden"]) == float(r["anteil_behoerden"]) == x["anteil_behoerden"]
        assert float(o["anteil_einwohner"]) == float(r["anteil_einwohner"]) == x["anteil_einwohner"]
        figures = [f"{x['behoerden_mit_angebot']} von {x['behoerden_zustaendig']}"]
        figures += [percent(x["anteil_behoerden"]), percent(x["anteil_einwohner"])]
        assert monitor[i] == [x["leistung"], *figures]
        assert report[i] == [x["leistung"], str(x["behoerden_mit_angebot"]), *figures[1:]]
