"""Reads for the assistant runtime: which assistant a Kommune offers, drafts, and the effective form."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from amtsweg.assistant.models import Activation, ActivationPeriod, Draft, Upload
from amtsweg.catalog.models import Leistung
from amtsweg.common.rows import columns_of, instances_from
from amtsweg.directory.models import Authority, Territory
from amtsweg.forms.engine import ResolvedForm
from amtsweg.forms.models import FormDefinition, FormVersion, Overlay
from amtsweg.forms.selectors import form_resolve, overlay_get


@dataclass(frozen=True)
class Offer:
    """An assistant a citizen can start: the definition, the authority offering it, and the place."""

    definition: FormDefinition
    authority: object
    gemeinde: object

    @property
    def title(self) -> str:
        """The assistant's title in the page language (its definition's translation, else German)."""
        language = get_language() or settings.LANGUAGE_CODE
        if language == settings.LANGUAGE_CODE:
            return self.definition.title
        version = version_for_new_draft(definition=self.definition)
        if version is None:
            return self.definition.title
        block = (version.document.get("translations") or {}).get(language) or {}
        return block.get("title") or self.definition.title

    @property
    def start_url(self) -> str:
        from django.urls import reverse

        return reverse("assistant:start", kwargs={"key": self.definition.key, "ags": self.gemeinde.ags})


# The finder's Leistung page and the assistant's start page ask this on every request. A raw statement
# spares Django's query compiler, which costs several times the look-up itself (benchmarks/citizen_profile.py).
# Text and integer columns only (no converters needed); the others are deferred. In the model's field
# order, which Model.from_db expects when fields are left out.
_OFFER_FIELDS = tuple(
    f.attname
    for f in FormDefinition._meta.concrete_fields
    if f.attname in {"id", "key", "title", "leistung_id", "leika_key"}
)
_OFFER_SQL = """
SELECT {columns}
FROM {activation} a JOIN {definition} d ON d.id = a.definition_id
WHERE a.authority_id = %s AND a.live = %s AND (d.leistung_id = %s OR (%s <> '' AND d.leika_key = %s))
  AND EXISTS (SELECT 1 FROM {version} v WHERE v.definition_id = d.id AND v.status = %s)
ORDER BY d.{order} LIMIT 1
"""


def assistant_for_authority(*, leistung, authority) -> FormDefinition | None:
    """The live assistant ``authority`` offers for ``leistung`` (with a published version), or None.
    A definition bound to the Leistung or to its LeiKa key serves it (the catalogue may hold several
    rows per key); of several, the first by key."""
    if leistung is None or authority is None:
        return None
    qn = connection.ops.quote_name
    sql = _OFFER_SQL.format(
        activation=qn(Activation._meta.db_table),
        definition=qn(FormDefinition._meta.db_table),
        version=qn(FormVersion._meta.db_table),
        columns=", ".join(f"d.{qn(name)}" for name in _OFFER_FIELDS),
        order=qn("key"),
    )
    leika_key = getattr(leistung, "leika_key", "") or ""
    params = [authority.pk, True, leistung.pk, leika_key, leika_key, FormVersion.Status.PUBLISHED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return FormDefinition.from_db(connection.alias, _OFFER_FIELDS, row) if row is not None else None


def assistant_for(*, leistung, gemeinde, snap=None) -> tuple[FormDefinition, object] | None:
    """(definition, authority) when the authority responsible for ``leistung`` in ``gemeinde``
    offers an assistant for it online; otherwise None. ``snap``: the reference data checked in this request."""
    from amtsweg.jurisdiction.selectors import responsible_authority

    if leistung is None or gemeinde is None:
        return None
    authority = responsible_authority(leistung=leistung, gemeinde=gemeinde, snap=snap).authority
    definition = assistant_for_authority(leistung=leistung, authority=authority)
    return (definition, authority) if definition is not None else None


def offer_for(*, leistung, resolution) -> Offer | None:
    """For the finder's Leistung page: the offer for an already computed Zuständigkeit ``resolution``."""
    if resolution is None or getattr(resolution, "authority", None) is None:
        return None
    definition = assistant_for_authority(leistung=leistung, authority=resolution.authority)
    if definition is None:
        return None
    return Offer(definition=definition, authority=resolution.authority, gemeinde=resolution.gemeinde)


def offer_get(*, key: str, ags: str, snap=None) -> Offer | None:
    """The offer behind ``/antrag/<key>/<ags>/``: definition by key, current Gemeinde by AGS, live activation.
    ``snap``: the reference data (``jurisdiction.selectors.reference_snapshot``) checked once for the request."""
    definition = _definition_by_key(key=key)
    from amtsweg.jurisdiction.selectors import gemeinde_by_ags, reference_snapshot

    snap = snap or reference_snapshot()
    # Only a current Gemeinde's own AGS opens the assistant (an old AGS would be a different URL).
    gemeinde = gemeinde_by_ags(ags=ags, snap=snap)
    if gemeinde is not None and gemeinde.ags != ags:
        gemeinde = None
    if definition is None or gemeinde is None or definition.leistung is None:
        return None
    found = assistant_for(leistung=definition.leistung, gemeinde=gemeinde, snap=snap)
    if found is None or found[0].pk != definition.pk:
        return None
    return Offer(definition=definition, authority=found[1], gemeinde=gemeinde)


def _definition_by_key(*, key: str) -> FormDefinition | None:
    """``forms.selectors.form_definition_get`` with its Leistung, read afresh in one raw statement (asked on
    every start page request; two ``Model.objects.raw`` calls cost more than the look-ups themselves)."""
    sql, parts = _definition_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    definition, leistung = instances_from(parts, row)
    if leistung is not None:
        definition.leistung = leistung
    return definition


@lru_cache(maxsize=1)
def _definition_sql() -> tuple[str, list]:
    qn = connection.ops.quote_name
    d_columns, d_part = columns_of("d", FormDefinition)
    l_columns, l_part = columns_of("l", Leistung)
    sql = (
        f"SELECT {', '.join(d_columns + l_columns)} FROM {qn(FormDefinition._meta.db_table)} d "  # noqa: S608
        f"LEFT JOIN {qn(Leistung._meta.db_table)} l ON l.id = d.leistung_id WHERE d.{qn('key')} = %s"
    )
    return sql, [d_part, l_part]


@lru_cache(maxsize=1)
def _draft_sql() -> tuple[str, list]:
    """The draft by token, with its Leistung's current assurance level (the cached version's may be old)."""
    qn = connection.ops.quote_name
    columns, part = columns_of("t", Draft)
    level = qn("required_assurance_level")
    sql = (
        f"SELECT {', '.join(columns)}, l.{level} FROM {qn(Draft._meta.db_table)} t "  # noqa: S608 (model names)
        f"JOIN {qn(FormVersion._meta.db_table)} v ON v.id = t.version_id "
        f"JOIN {qn(FormDefinition._meta.db_table)} d ON d.id = v.definition_id "
        f"LEFT JOIN {qn(Leistung._meta.db_table)} l ON l.id = d.leistung_id WHERE t.{qn('token')} = %s"
    )
    return sql, [part]


def version_for_new_draft(*, definition: FormDefinition) -> FormVersion | None:
    """The newest published version (as ``forms.selectors.form_version_current``); its decoded document
    comes from the per-process cache of published versions when id and content hash match."""
    qn = connection.ops.quote_name
    sql = (
        f"SELECT id, content_hash FROM {qn(FormVersion._meta.db_table)} "  # noqa: S608 (names from the model)
        "WHERE definition_id = %s AND status = %s ORDER BY number DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [definition.pk, FormVersion.Status.PUBLISHED])
        row = cursor.fetchone()
    if row is None:
        return None
    cached = _VERSIONS.get(row[0])
    if cached is not None and cached.content_hash == row[1] and cached.definition_id == definition.pk:
        return cached
    _VERSIONS.pop(row[0], None)  # a stale entry (e.g. a primary key reused after a rolled-back test)
    return version_get(pk=row[0])


# ResolvedForm per (version, overlay stamp, language). Published versions never change and the overlay's
# stamp (id, updated_at) changes with every edit, so entries never go stale; the size bound keeps memory flat.
_FORMS: OrderedDict[tuple, ResolvedForm] = OrderedDict()
_FORMS_MAX = 256

# The overlay rows last read per (definition, authority), under their stamp: read again only when the stamp
# (one indexed statement, no query compilation) says the Kommune changed, deleted or created its overlay.
_OVERLAYS: dict[tuple[int, int], tuple[tuple, object]] = {}


def _overlay_stamp(*, definition_id: int, authority_id: int) -> tuple:
    """(id, updated_at) of the overlay, () without one: a Kommune's edit changes it at once in every process."""
    qn = connection.ops.quote_name
    sql = (
        f"SELECT id, updated_at FROM {qn(Overlay._meta.db_table)} "  # noqa: S608 (names from the model)
        "WHERE definition_id = %s AND authority_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [definition_id, authority_id])
        row = cursor.fetchone()
    return tuple(row) if row is not None else ()


def _overlay_cached(*, definition: FormDefinition, authority) -> tuple[tuple, object]:
    key = (definition.pk, authority.pk)
    stamp = _overlay_stamp(definition_id=definition.pk, authority_id=authority.pk)
    hit = _OVERLAYS.get(key)
    if hit is not None and hit[0] == stamp:
        return hit
    overlay = overlay_get(definition=definition, authority=authority) if stamp else None
    if len(_OVERLAYS) > 1024:
        _OVERLAYS.clear()
    _OVERLAYS[key] = (stamp, overlay)
    return stamp, overlay


# Authorities and Gemeinden shown on every step page change rarely (contact data, register
# imports); they may show an edit a few seconds late. Keyed by (model, pk).
_ROWS: dict[tuple[str, int], tuple[float, object]] = {}
ROWS_TTL_SECONDS = 10.0


def _row_cached(model, pk: int):
    key = (model._meta.label, pk)
    now = time.monotonic()
    hit = _ROWS.get(key)
    if hit is not None and now - hit[0] < ROWS_TTL_SECONDS:
        return hit[1]
    row = model.objects.get(pk=pk)
    if len(_ROWS) > 4096:
        _ROWS.clear()
    _ROWS[key] = (now, row)
    return row


def form_for(*, version: FormVersion, authority, language: str | None = None) -> ResolvedForm:
    """The effective form for a draft: its pinned version with the authority's current overlay.

    ``language``: of the assistant's own texts; default the active one (the citizen's page language).
    """
    return form_keyed(version=version, authority=authority, language=language)[0]


def form_keyed(*, version: FormVersion, authority, language: str | None = None) -> tuple[ResolvedForm, tuple]:
    """``form_for`` and the key of everything the form is built from (version, content, the overlay's stamp,
    language): equal keys mean an equal form, in any process — for keys of pages rendered from it."""
    language = language or get_language() or settings.LANGUAGE_CODE
    stamp, overlay = _overlay_cached(definition=version.definition, authority=authority)
    cache_key = (version.pk, version.content_hash, stamp, language)
    form = _FORMS.get(cache_key)
    if form is None:
        form = form_resolve(version=version, overlay=overlay, language=language)
        _FORMS[cache_key] = form
        if len(_FORMS) > _FORMS_MAX:
            _FORMS.popitem(last=False)
    else:
        _FORMS.move_to_end(cache_key)
    return form, cache_key


# Published versions are immutable (enforced by the forms app and a database trigger), so their
# decoded documents can be kept per process instead of being read and parsed on every request.
_VERSIONS: OrderedDict[int, FormVersion] = OrderedDict()
_VERSIONS_MAX = 64


def version_get(*, pk: int) -> FormVersion:
    """A draft's pinned version with its definition; cached per process once published.

    The cached object's ``status`` may be stale (a version can be retired); the submit path
    therefore reloads it (``submission_submit`` checks the status itself).
    """
    version = _VERSIONS.get(pk)
    if version is None:
        version = FormVersion.objects.select_related("definition__leistung").get(pk=pk)
        if version.status != FormVersion.Status.DRAFT:
            _VERSIONS[pk] = version
            if len(_VERSIONS) > _VERSIONS_MAX:
                _VERSIONS.popitem(last=False)
    return version


def caches_clear() -> None:
    """Forget cached versions and forms (tests, whose rolled-back rows may reuse primary keys)."""
    _VERSIONS.clear()
    _FORMS.clear()
    _OVERLAYS.clear()
    _ROWS.clear()


ASSURANCE_NOW = "assurance_level_now"


def draft_by_token(*, token: str) -> Draft | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        return None
    # Read on every step request: the token is unique (no ORDER BY as with ``first()``), and the
    # draft's authority and Gemeinde come from the short-lived cache instead of a three-table join.
    # One plain statement: the ORM's query compilation would cost more than the indexed look-up.
    sql, parts = _draft_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token])
        row = cursor.fetchone()
    if row is None:
        return None
    (draft,) = instances_from(parts, row[:-1])
    # The Leistung's level as of now, for the assurance gate (views.base.load); the version below is cached.
    setattr(draft, ASSURANCE_NOW, row[-1] or "")  # noqa: B010 (not a model field)
    draft.version = version_get(pk=draft.version_id)
    draft.authority = _row_cached(Authority, draft.authority_id)
    draft.gemeinde = _row_cached(Territory, draft.gemeinde_id)
    return draft


def draft_is_expired(*, draft: Draft) -> bool:
    return draft.expires_at <= timezone.now()


def drafts_open(*, tokens, definition: FormDefinition, gemeinde, user=None) -> list[Draft]:
    """Unexpired, unsubmitted drafts among ``tokens`` (from a session) or of ``user`` (logged in) for this
    assistant and place."""
    tokens = list(tokens)
    owned = user is not None and user.is_authenticated
    if not tokens and not owned:  # a first visit: no session, nothing to look up
        return []
    mine = Q(token__in=tokens) | Q(user=user) if owned else Q(token__in=tokens)
    return list(
        Draft.objects.filter(
            mine,
            vorgang__isnull=True,
            version__definition=definition,
            gemeinde=gemeinde,
            submitted_number="",
            expires_at__gt=timezone.now(),
        ).order_by("-updated")
    )


def upload_get(*, draft: Draft, ref: str) -> Upload | None:
    return Upload.objects.filter(draft=draft, ref=ref).first()


def drafts_of(*, user) -> list[Draft]:
    """The citizen's open drafts for "Meine Anträge" (not the reopened upload steps), last change first."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Draft.objects.filter(user=user, submitted_number="", vorgang__isnull=True, expires_at__gt=timezone.now())
        .select_related("version__definition__leistung", "gemeinde", "authority", "organisation")
        .order_by("-updated", "-pk")
    )


def draft_of(*, user, pk: int) -> Draft | None:
    """The citizen's own open draft ``pk``, or None (also when it belongs to someone else)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Draft.objects.filter(pk=pk, user=user, submitted_number="", vorgang__isnull=True)
        .select_related("version__definition", "gemeinde")
        .first()
    )


def activation_periods(*, since=None, until=None):
    """Every online period (with activation, definition, Leistung and authority loaded), optionally only
    those overlapping [since, until] — the platform's own adoption data for the roll-out monitor."""
    qs = ActivationPeriod.objects.select_related("activation__definition__leistung", "activation__authority").order_by(
        "since", "pk"
    )
    if until is not None:
        qs = qs.filter(since__lte=until)
    if since is not None:
        qs = qs.exclude(until__lt=since)
    return qs
