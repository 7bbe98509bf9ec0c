"""The sources of the catalogue import, read and combined without writing anything (see ``services.py``).

The OZG catalogue CSV, the curated execution levels, Stammtexte and keyword rules; ``desired_values``
is what the importer wants a Leistung to hold.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.utils.text import slugify

from .models import ExecutionLevel

NOT_IN_LEIKA = "nicht im LeiKa"
REQUIRED_COLUMNS = (
    "leika_schluessel",
    "leika_bezeichnung",
    "leika_typ",
    "ozg_id",
    "ozg_leistung",
    "lebenslage",
    "themenfeld",
    "rechtsgrundlage",
)
STAMMTEXT_FIELDS = (
    "description",
    "required_documents",
    "fees",
    "deadlines",
    "processing_time",
    "legal_basis",
    "online_url",
    "form_url",
)
LEIKA_TYP_1_NOTE = "Standardregel: LeiKa-Typ 1 – Regelung und Vollzug durch den Bund."
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"})
_BRACKET = re.compile(r"\[([^\[\]]*)(\]|$)")
_LEIKA_KEY = re.compile(r"^\d{14}$")


class CatalogImportError(ValueError):
    """Input the importer cannot use; the message is German and meant for operators."""


def german_slugify(text: str, *, max_length: int = 90) -> str:
    """ASCII slug with German transliteration (ä→ae, ß→ss), cut at a word boundary."""
    slug = slugify(text.translate(_GERMAN))
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "leistung"


def normalize_leika_typ(raw: str) -> str:
    """'1,2/3' / ' 1, 2/3 ' → '1, 2/3'; empty stays empty."""
    parts = [p.strip() for p in (raw or "").split(",")]
    return ", ".join(p for p in parts if p)


def format_legal_basis(raw: str) -> str:
    """Turn 'Label [URL], Label2 [URL2]' into one readable line per reference: 'Label – URL'.

    The source cuts the column at 200 characters; a URL cut off that way is dropped (it would not work),
    its label is kept.
    """
    text = " ".join((raw or "").split())
    lines: list[str] = []
    pos = 0
    for match in _BRACKET.finditer(text):
        label = text[pos : match.start()].strip(" ,;")
        url = match.group(1).strip().replace("http://www.gesetze-im-internet.de", "https://www.gesetze-im-internet.de")
        complete = match.group(2) == "]" and url.startswith(("http://", "https://")) and " " not in url
        if label:
            lines.append(f"{label} – {url}" if complete else label)
        pos = match.end()
    rest = text[pos:].strip(" ,;")
    if rest:
        lines.append(rest)
    return "\n".join(lines)


@dataclass(frozen=True)
class CatalogRow:
    import_key: str
    leika_key: str
    name: str
    leika_typ: str
    ozg_id: str
    legal_basis: str
    published: bool


def catalog_read(path: Path) -> list[dict[str, str]]:
    if not Path(path).is_file():
        raise CatalogImportError(f"Die Katalogdatei „{path}“ wurde nicht gefunden.")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogImportError(
                f"Die Katalogdatei „{Path(path).name}“ hat nicht das erwartete Format; es fehlen die Spalten: "
                + ", ".join(missing)
            )
        rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    if not rows:
        raise CatalogImportError(f"Die Katalogdatei „{Path(path).name}“ enthält keine Leistungen.")
    for number, row in enumerate(rows, start=2):
        if not row["ozg_id"] or not row["leika_bezeichnung"] or not row["lebenslage"] or not row["themenfeld"]:
            raise CatalogImportError(
                f"Zeile {number} der Katalogdatei ist unvollständig: OZG-ID, Bezeichnung, Lebenslage "
                "oder Themenfeld fehlt."
            )
    return rows


def leistung_rows(raw_rows: list[dict[str, str]]) -> list[CatalogRow]:
    occurrences: Counter[tuple[str, str]] = Counter()
    result = []
    for row in raw_rows:
        key = row["leika_schluessel"]
        name = " ".join(row["leika_bezeichnung"].split())
        if key == NOT_IN_LEIKA or not key:
            # No LeiKa key: identify by OZG-ID, name and occurrence (the source repeats some rows verbatim).
            occurrences[(row["ozg_id"], name)] += 1
            digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:16]
            import_key = f"nil:{row['ozg_id']}:{digest}:{occurrences[(row['ozg_id'], name)]}"
            leika_key, published = "", True
        else:
            import_key, leika_key = key, key
            # The dump contains a few test rows ("Test 124", key "3233"); keep them, but hidden.
            published = bool(_LEIKA_KEY.match(key))
        result.append(
            CatalogRow(
                import_key=import_key,
                leika_key=leika_key,
                name=name,
                leika_typ=normalize_leika_typ(row["leika_typ"]),
                ozg_id=row["ozg_id"],
                legal_basis=format_legal_basis(row["rechtsgrundlage"]),
                published=published,
            )
        )
    return result


@dataclass(frozen=True)
class LevelRules:
    """The curated execution levels by scope (see data/execution_levels.csv): key → (level, source note)."""

    by_leika: dict[str, tuple[str, str]]
    by_name: dict[tuple[str, str], tuple[str, str]]
    by_ozg: dict[str, tuple[str, str]]
    by_object: dict[str, tuple[str, str]]  # LeiKa-Leistungsobjekt: first 8 digits of the key
    by_group: dict[str, tuple[str, str]]  # LeiKa-Leistungsgruppierung: first 5 digits of the key


_SCOPE_KEY_LENGTH = {"object": 8, "group": 5}


def execution_levels_load(path: Path) -> LevelRules:
    rules = LevelRules({}, {}, {}, {}, {})
    targets = {
        "leika": rules.by_leika,
        "ozg": rules.by_ozg,
        "object": rules.by_object,
        "group": rules.by_group,
    }
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            level = (row["level"] or "").strip()
            if level not in ExecutionLevel.values:
                raise CatalogImportError(f"Unbekannte Vollzugsebene „{level}“ in {path.name}.")
            value = (level, (row["source"] or "").strip())
            scope, key = row["scope"].strip(), row["key"].strip()
            if scope in _SCOPE_KEY_LENGTH and (len(key) != _SCOPE_KEY_LENGTH[scope] or not key.isdigit()):
                raise CatalogImportError(
                    f"Der Schlüssel „{key}“ ({scope}) in {path.name} muss {_SCOPE_KEY_LENGTH[scope]} Ziffern haben."
                )
            if scope == "name":
                rules.by_name[(key, " ".join(row["name"].split()))] = value
            elif scope in targets:
                targets[scope][key] = value
            else:
                raise CatalogImportError(f"Unbekannter Geltungsbereich „{scope}“ in {path.name}.")
    return rules


def level_for(row: CatalogRow, rules: LevelRules) -> tuple[str, str]:
    """(level, note) of a catalogue row. Most specific rule first:
    LeiKa key / name row > LeiKa-Typ 1 (Bund) > Leistungsobjekt > OZG-Leistung > Leistungsgruppierung."""
    if row.leika_key and row.leika_key in rules.by_leika:
        return rules.by_leika[row.leika_key]
    if not row.leika_key and (row.ozg_id, row.name) in rules.by_name:
        return rules.by_name[(row.ozg_id, row.name)]
    if row.leika_typ == "1":
        return ExecutionLevel.BUND.value, LEIKA_TYP_1_NOTE
    if row.leika_key and row.leika_key[:8] in rules.by_object:
        return rules.by_object[row.leika_key[:8]]
    if row.ozg_id in rules.by_ozg:
        return rules.by_ozg[row.ozg_id]
    if row.leika_key and row.leika_key[:5] in rules.by_group:
        return rules.by_group[row.leika_key[:5]]
    return "", ""


def stammtexte_load(path: Path) -> dict[str, dict[str, str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    result: dict[str, dict[str, str]] = {}
    for entry in data["entries"]:
        values = {f: entry[f].strip() for f in (*STAMMTEXT_FIELDS, "keywords") if entry.get(f)}
        for key in entry["leika_keys"]:
            result.setdefault(key, {}).update(values)
    return result


def keyword_rules_load(path: Path) -> list[tuple[str, str, list[str]]]:
    rules = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            words = [w.strip() for w in row["keywords"].split(",") if w.strip()]
            rules.append((row["match"].strip(), row["value"].strip(), words))
    return rules


def keywords_for(row: CatalogRow, rules, stammtext: dict[str, str]) -> str:
    words: list[str] = []
    name_lower = row.name.lower()
    for match, value, rule_words in rules:
        if (
            (match == "prefix" and row.leika_key.startswith(value))
            or (match == "ozg" and row.ozg_id == value)
            or (match == "contains" and value.lower() in name_lower)
        ):
            words.extend(rule_words)
    words.extend(w.strip() for w in stammtext.get("keywords", "").split(",") if w.strip())
    unique: dict[str, str] = {}
    for word in words:
        if word.lower() != name_lower:
            unique.setdefault(word.lower(), word)
    return ", ".join(unique.values())


def desired_values(row: CatalogRow, *, levels, stammtexte, keyword_rules) -> dict:
    stammtext = stammtexte.get(row.leika_key, {}) if row.leika_key else {}
    level, note = level_for(row, levels)
    values = {f: stammtext.get(f, "") for f in STAMMTEXT_FIELDS}
    values["legal_basis"] = stammtext.get("legal_basis") or row.legal_basis
    values.update(
        name=row.name,
        leika_typ=row.leika_typ,
        keywords=keywords_for(row, keyword_rules, stammtext),
        execution_level=level,
        execution_level_note=note,
        published=row.published,
    )
    return values
