"""Reads for the finder UI and API: turning what a citizen typed as their place into a Gemeinde."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.utils.translation import gettext, gettext_lazy

from amtsweg.catalog import selectors as catalog_selectors
from amtsweg.catalog.models import Leistung
from amtsweg.catalog.online import leistungen_online_at
from amtsweg.directory import selectors as directory_selectors
from amtsweg.directory.models import PostalCode, Territory
from amtsweg.finder import search
from amtsweg.jurisdiction import selectors as jurisdiction_selectors

AGS_RE = re.compile(r"^\d{8}$")
LEIKA_KEY_RE = re.compile(r"^\d{14}$")
PLZ_RE = re.compile(r"^\d{5}$")
PLZ_PREFIX_RE = re.compile(r"^(\d{5})\s+(.+)$")
# Register names carry a qualifier after a comma ("Chemnitz, Stadt"); citizens type just the name.
_QUALIFIER_RE = re.compile(r",\s*(stadt|gemeinde|große kreisstadt|kurort|st\.)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PlaceOption:
    """One Gemeinde a citizen can pick when their input was ambiguous."""

    ags: str
    name: str
    kreis_name: str = ""
    postal_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaceResolution:
    """Outcome of resolving a place input: found (gemeinde set), ambiguous (options) or not found (message)."""

    query: str
    gemeinde: Territory | None = None
    options: list[PlaceOption] = field(default_factory=list)
    message: str = ""

    @property
    def found(self) -> bool:
        return self.gemeinde is not None

    @property
    def ambiguous(self) -> bool:
        return self.gemeinde is None and bool(self.options)


def normalize_place_name(name: str) -> str:
    return _QUALIFIER_RE.sub("", name).strip().casefold()


def _current(territory: Territory) -> Territory:
    # A place dissolved by a merger still finds today's Gemeinde.
    return directory_selectors.territory_current(territory=territory)


def _option(territory: Territory) -> PlaceOption:
    codes = tuple(sorted({pc.code for pc in territory.postal_codes.all()}))
    kreis_name = territory.kreis.name if territory.kreis_id else ""
    return PlaceOption(ags=territory.ags, name=territory.name, kreis_name=kreis_name, postal_codes=codes)


def _current_gemeinden(*, ags_list) -> list[Territory]:
    return list(
        Territory.objects.filter(kind=Territory.Kind.GEMEINDE, valid_until__isnull=True, ags__in=list(ags_list))
        .select_related("kreis")
        .prefetch_related("postal_codes")
        .order_by("name", "ags")
    )


def _by_postal_code(*, code: str, name_hint: str = "") -> PlaceResolution:
    query = f"{code} {name_hint}".strip()
    rows = PostalCode.objects.filter(code=code).select_related("gemeinde__successor")
    gemeinden = {t.ags: t for t in (_current(row.gemeinde) for row in rows) if t.kind == Territory.Kind.GEMEINDE}
    if not gemeinden:
        return PlaceResolution(
            query=query,
            message=gettext(
                "Zur Postleitzahl „{code}“ haben wir keine Gemeinde gefunden. Bitte prüfen Sie die Eingabe "
                "oder geben Sie den Namen Ihrer Gemeinde ein."
            ).format(code=code),
        )
    candidates = _current_gemeinden(ags_list=gemeinden)
    if name_hint:
        wanted = normalize_place_name(name_hint)
        narrowed = [t for t in candidates if normalize_place_name(t.name) == wanted]
        if len(narrowed) == 1:
            return PlaceResolution(query=query, gemeinde=narrowed[0])
    if len(candidates) == 1:
        return PlaceResolution(query=query, gemeinde=candidates[0])
    return PlaceResolution(query=query, options=[_option(t) for t in candidates])


def _by_ags(*, ags: str, snap=None) -> PlaceResolution:
    # From the Zuständigkeit snapshot: the page resolves the Zuständigkeit from it next anyway.
    gemeinde = jurisdiction_selectors.gemeinde_by_ags(ags=ags, snap=snap)
    if gemeinde is None:
        return PlaceResolution(
            query=ags,
            message=gettext(
                "Zum Gemeindeschlüssel „{ags}“ ist uns keine Gemeinde bekannt. Bitte geben Sie Ihren Ort ein."
            ).format(ags=ags),
        )
    return PlaceResolution(query=ags, gemeinde=gemeinde)


def _by_name(*, text: str) -> PlaceResolution:
    not_found = PlaceResolution(
        query=text,
        message=gettext(
            "Wir haben keinen Ort „{text}“ gefunden. Bitte prüfen Sie die Schreibweise "
            "oder geben Sie Ihre Postleitzahl ein."
        ).format(text=text),
    )
    try:
        hits = search.place_search(query=text, limit=10)
    except search.QueryError as exc:
        return PlaceResolution(query=text, message=str(exc))
    if not hits:
        return not_found
    folded = text.casefold()
    exact = [hit for hit in hits if folded in (hit.name.casefold(), hit.display_name.casefold())]
    if not exact:
        wanted = normalize_place_name(text)
        exact = [hit for hit in hits if normalize_place_name(hit.name) == wanted]
    chosen = exact if exact else hits
    candidates = _current_gemeinden(ags_list={hit.ags for hit in chosen})
    if not candidates:
        return not_found
    if len(candidates) == 1:
        return PlaceResolution(query=text, gemeinde=candidates[0])
    # Keep the search engine's ranking for the choice list.
    rank = {hit.ags: i for i, hit in enumerate(chosen)}
    candidates.sort(key=lambda t: rank.get(t.ags, len(rank)))
    return PlaceResolution(query=text, options=[_option(t) for t in candidates])


def resolve_place(*, text: str, snap=None) -> PlaceResolution:
    """Resolve a Gemeinde name, a PLZ ("01067" or "01067 Dresden") or an 8-digit AGS to a current Gemeinde.

    Returns ``options`` when the input fits several Gemeinden (a PLZ spanning several, or a
    name that exists more than once) and a German ``message`` when nothing fits. ``snap``: the reference
    data checked once for the request (``jurisdiction.selectors.reference_snapshot``).
    """
    text = " ".join(text.split())
    if not text:
        return PlaceResolution(query=text, message=gettext("Bitte geben Sie Ihre Gemeinde oder Postleitzahl ein."))
    if AGS_RE.match(text):
        return _by_ags(ags=text, snap=snap)
    if PLZ_RE.match(text):
        return _by_postal_code(code=text)
    match = PLZ_PREFIX_RE.match(text)
    if match:
        return _by_postal_code(code=match.group(1), name_hint=match.group(2))
    return _by_name(text=text)


def place_suggestions(*, text: str, limit: int = 8) -> list:
    """Autocomplete suggestions (search engine hits); empty for input too short or unusable."""
    text = " ".join(text.split())
    if len(text) < 2:
        return []
    try:
        return search.place_search(query=text, limit=limit)
    except search.QueryError:
        return []


# Plain text and integer columns: the driver's values need none of the ORM's converters. In the model's
# field order, which Model.from_db expects when fields are left out.
_ROUTING_FIELDS = tuple(
    f.attname
    for f in Leistung._meta.concrete_fields
    if f.attname in {"id", "slug", "name", "leika_key", "execution_level"}
)


@lru_cache(maxsize=2)
def _routing_sql(column: str) -> str:
    # Table and column names come from the model's metadata, quoted by the backend; the value is a parameter.
    qn = connection.ops.quote_name
    fields = ", ".join(qn(f) for f in _ROUTING_FIELDS)
    return (
        f"SELECT {fields} FROM {qn(Leistung._meta.db_table)} "  # noqa: S608
        f"WHERE {qn('published')} = %s AND {qn(column)} = %s ORDER BY {qn('id')} LIMIT 1"
    )


def leistung_for_routing(*, value: str) -> Leistung | None:
    """Like ``leistung_by_slug_or_key``, with only the fields a Zuständigkeit answer needs (the others are
    deferred). The API runs this on every request; a raw statement spares the query compiler, which costs
    more than the look-up itself (and a plain cursor spares RawQuerySet's column mapping)."""
    column = "leika_key" if LEIKA_KEY_RE.match(value) else "slug"
    with connection.cursor() as cursor:
        cursor.execute(_routing_sql(column), [True, value])
        row = cursor.fetchone()
    return Leistung.from_db(connection.alias, _ROUTING_FIELDS, row) if row is not None else None


def leistung_by_slug_or_key(*, value: str) -> Leistung | None:
    """A published Leistung by slug or by 14-digit LeiKa key (for API clients that route by LeiKa)."""
    if LEIKA_KEY_RE.match(value):
        # A LeiKa key can appear under several OZG-Leistungen; the first imported one is canonical.
        return (
            Leistung.objects.filter(leika_key=value, published=True)
            .select_related("ozg__lebenslage__themenfeld")
            .order_by("id")
            .first()
        )
    return catalog_selectors.leistung_by_slug(slug=value)


@dataclass(frozen=True)
class LeistungResult:
    """A search hit as the results page shows it: with the online offer at the citizen's place, if any."""

    hit: search.LeistungHit
    online_url: str = ""
    # True when the responsible authority at the place offers an assistant (not only a state-wide service).
    online_local: bool = False


@dataclass(frozen=True)
class LeistungResults:
    items: list[LeistungResult]
    # Real matches (see leistung_search); ``capped`` when there are at least ``limit`` of them.
    total: int
    capped: bool


def leistung_results(*, query: str, gemeinde: Territory | None = None, limit: int = 100) -> LeistungResults:
    """Search results ranked by what the citizen can do at ``gemeinde``: online offers there first.

    Raises ``search.QueryError`` for unusable input.
    """
    offers = online_offers_at(gemeinde=gemeinde)
    hits = search.leistung_search(query=query, limit=limit, online=offers.keys())
    items = [
        LeistungResult(
            hit=hit,
            online_url=offers[hit.id].url if hit.id in offers else "",
            online_local=hit.id in offers and offers[hit.id].local,
        )
        for hit in hits
    ]
    return LeistungResults(items=items, total=len(items), capped=len(items) >= limit)


def online_offers_at(*, gemeinde: Territory | None) -> dict:
    """Leistung id → ``catalog.online.OnlineOffer`` for a citizen of ``gemeinde`` (state-wide ones only without)."""
    return leistungen_online_at(gemeinde=gemeinde)


@dataclass(frozen=True)
class AuthorityContact:
    """How a citizen reaches an authority: what the directory has, and honestly what it lacks."""

    authority: object
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing


# Ways to reach an authority besides the address, in the order the page shows them (field → label).
CONTACT_FIELDS = (
    ("opening_hours", gettext_lazy("Öffnungszeiten")),
    ("phone", gettext_lazy("Telefon")),
    ("email", gettext_lazy("E-Mail")),
)


def authority_contact(*, authority) -> AuthorityContact | None:
    if authority is None:
        return None

    def has(field: str) -> bool:
        return bool((getattr(authority, field, "") or "").strip())

    missing = []
    if not has("street"):
        # Generated entries know the seat's town but not the building.
        missing.append(gettext_lazy("Straße und Hausnummer") if has("city") else gettext_lazy("Anschrift"))
    missing += [label for field, label in CONTACT_FIELDS if not has(field)]
    return AuthorityContact(authority=authority, missing=missing)
