"""Writes for application assistants: loading definitions, versions, publishing, overlays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from amtsweg.forms.definition import (
    DefinitionInvalid,
    content_hash,
    definition_parse,
    definition_publish_errors,
    definition_validate,
)
from amtsweg.forms.engine import overlay_problems
from amtsweg.forms.engine_form import overlay_text_valid
from amtsweg.forms.models import FormDefinition, FormVersion, Overlay

# Reasons (German) why a version must not be published, from layers above forms; [] = fine.
PublishCheck = Callable[[FormVersion], list[str]]


class FormVersionImmutable(Exception):
    """Raised when a published or retired version would be changed."""

    def __init__(self, version: FormVersion):
        super().__init__(
            f"Version {version.number} von „{version.definition.key}“ ist {version.get_status_display()} "
            "und kann nicht mehr geändert werden. Legen Sie eine neue Version an."
        )


class OverlayInvalid(ValueError):
    """An overlay does not fit the assistant; ``errors`` lists German messages."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def _leistung_for(leika_key: str):
    from amtsweg.catalog.models import Leistung  # catalogue owns Leistung; matched by LeiKa key

    if not leika_key:
        return None
    return Leistung.objects.filter(leika_key=leika_key).order_by("-published", "pk").first()


def _definition_sync(*, document: dict) -> FormDefinition:
    leika_key = document.get("leistung", "")
    definition, _ = FormDefinition.objects.select_for_update().get_or_create(
        key=document["key"], defaults={"title": document["title"]}
    )
    leistung = _leistung_for(leika_key)
    if (definition.title, definition.leika_key, definition.leistung_id) != (
        document["title"],
        leika_key,
        leistung.pk if leistung else None,
    ):
        definition.title, definition.leika_key, definition.leistung = document["title"], leika_key, leistung
        definition.save(update_fields=["title", "leika_key", "leistung", "updated_at"])
    return definition


@transaction.atomic
def definition_load(*, document: dict, publish: bool = False) -> FormVersion:
    """Validate ``document`` and store it as the newest version of its definition.

    Idempotent: identical content returns the newest version unchanged (publishing it if asked).
    Changed content updates the newest version while it is a draft, otherwise creates version n+1.
    Published versions are never touched. Raises ``DefinitionInvalid``.
    """
    definition_validate(document=document)
    definition = _definition_sync(document=document)
    digest = content_hash(document)
    latest = definition.versions.order_by("-number").first()
    if latest is not None and latest.content_hash == digest:
        version = latest
    elif latest is not None and latest.status == FormVersion.Status.DRAFT:
        version = form_version_update(version=latest, document=document)
    else:
        version = FormVersion.objects.create(
            definition=definition,
            number=(latest.number + 1) if latest else 1,
            document=document,
            content_hash=digest,
        )
    if publish and version.status == FormVersion.Status.DRAFT:
        version = form_version_publish(version=version)
    return version


def definition_load_file(*, path: str | Path, publish: bool = False) -> FormVersion:
    """Load a definition from a .yaml/.yml/.json file (see ``definition_load``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionInvalid([f"{path.name}: Datei kann nicht gelesen werden ({exc.__class__.__name__})."]) from exc
    document = definition_parse(text=text, fmt="json" if path.suffix.lower() == ".json" else "yaml")
    try:
        return definition_load(document=document, publish=publish)
    except DefinitionInvalid as exc:
        raise DefinitionInvalid([f"{path.name}: {e}" for e in exc.errors]) from exc


@transaction.atomic
def form_version_update(*, version: FormVersion, document: dict) -> FormVersion:
    """Replace the document of a draft version. Refuses published/retired versions."""
    current = FormVersion.objects.select_for_update().get(pk=version.pk)
    if current.status != FormVersion.Status.DRAFT:
        raise FormVersionImmutable(current)
    definition_validate(document=document)
    if document["key"] != current.definition.key:
        raise DefinitionInvalid([f"key: Der Schlüssel '{document['key']}' passt nicht zu „{current.definition.key}“."])
    current.document = document
    current.content_hash = content_hash(document)
    current.save(update_fields=["document", "content_hash"])
    return current


@transaction.atomic
def form_version_publish(*, version: FormVersion, checks: Sequence[PublishCheck] = ()) -> FormVersion:
    """Publish a draft (validated again). From then on its content is immutable.

    Refused (``DefinitionInvalid``) while a code list has no values, or when one of ``checks`` (callables of
    the layers above, e.g. the assistant's "is anyone responsible in this Kommune?") returns German reasons.
    """
    current = FormVersion.objects.select_for_update().get(pk=version.pk)
    if current.status == FormVersion.Status.PUBLISHED:
        return current
    if current.status != FormVersion.Status.DRAFT:
        raise FormVersionImmutable(current)
    definition_validate(document=current.document)
    blockers = definition_publish_errors(document=current.document)
    for check in checks:
        blockers += check(current)
    if blockers:
        raise DefinitionInvalid(blockers)
    current.status = FormVersion.Status.PUBLISHED
    current.published_at = timezone.now()
    current.save(update_fields=["status", "published_at"])
    return current


@transaction.atomic
def form_version_retire(*, version: FormVersion) -> FormVersion:
    """Withdraw a published version (no new applications with it; existing ones keep it)."""
    current = FormVersion.objects.select_for_update().get(pk=version.pk)
    if current.status == FormVersion.Status.DRAFT:
        raise ValueError("Ein Entwurf kann nicht zurückgezogen werden; er ist noch nicht veröffentlicht.")
    current.status = FormVersion.Status.RETIRED
    current.save(update_fields=["status"])
    return current


@transaction.atomic
def definition_reuse_set(*, definition: FormDefinition, reusable: bool) -> FormDefinition:
    """Release ``definition`` to the Kommunen for activation (or withdraw the offer; live activations stay)."""
    if definition.reusable != reusable:
        definition.reusable = reusable
        definition.save(update_fields=["reusable", "updated_at"])
    return definition


def form_version_create_draft(*, definition: FormDefinition) -> FormVersion:
    """A new draft copied from the newest version (returns the newest one if it is already a draft)."""
    latest = FormDefinition.objects.select_for_update().get(pk=definition.pk).versions.order_by("-number").first()
    if latest is None:
        raise ValueError("Für diesen Antragsassistenten gibt es noch keine Version.")
    if latest.status == FormVersion.Status.DRAFT:
        return latest
    return FormVersion.objects.create(
        definition=definition, number=latest.number + 1, document=latest.document, content_hash=latest.content_hash
    )


def overlay_shape_errors(*, parameters=None, texts=None, disabled_fields=None, contact=None) -> list[str]:
    """German messages when overlay parts have the wrong JSON shape (None = not given, fine)."""
    errors = []
    if parameters is not None and not isinstance(parameters, dict):
        errors.append("parameters: Erwartet wird ein Objekt (Name → Wert).")
    if texts is not None and (not isinstance(texts, dict) or not all(overlay_text_valid(v) for v in texts.values())):
        errors.append("texts: Erwartet wird ein Objekt (Schlüssel → Text oder {de: Text, en: Text}).")
    if disabled_fields is not None and (
        not isinstance(disabled_fields, list) or not all(isinstance(k, str) for k in disabled_fields)
    ):
        errors.append("disabled_fields: Erwartet wird eine Liste von Feldschlüsseln.")
    if contact is not None and (not isinstance(contact, dict) or not all(isinstance(v, str) for v in contact.values())):
        errors.append("contact: Erwartet wird ein Objekt mit Texten (name, email, phone, …).")
    return errors


@transaction.atomic
def overlay_set(
    *,
    definition: FormDefinition,
    authority: Any,
    parameters: dict | None = None,
    texts: dict | None = None,
    disabled_fields: list[str] | None = None,
    contact: dict | None = None,
    strict: bool = True,
) -> Overlay:
    """Create or update the overlay of ``authority`` for ``definition``; None leaves a part unchanged.

    With ``strict`` (default) entries that do not fit the current version (unknown field, parameter
    or text key; invalid parameter value) are refused with ``OverlayInvalid``.
    """
    errors = overlay_shape_errors(parameters=parameters, texts=texts, disabled_fields=disabled_fields, contact=contact)
    if errors:
        raise OverlayInvalid(errors)
    overlay = Overlay.objects.select_for_update().filter(definition=definition, authority=authority).first()
    overlay = overlay or Overlay(definition=definition, authority=authority)
    if parameters is not None:
        overlay.parameters = parameters
    if texts is not None:
        overlay.texts = texts
    if disabled_fields is not None:
        overlay.disabled_fields = list(dict.fromkeys(disabled_fields))
    if contact is not None:
        overlay.contact = contact
    if strict:
        from amtsweg.forms.selectors import form_version_current, form_version_latest

        version = form_version_current(definition=definition) or form_version_latest(definition=definition)
        if version is not None:
            problems = overlay_problems(
                document=version.document,
                parameters=overlay.parameters,
                texts=overlay.texts,
                disabled_fields=overlay.disabled_fields,
            )
            if problems:
                raise OverlayInvalid(problems)
    overlay.save()
    return overlay


def overlay_load(*, document: dict, strict: bool = True) -> Overlay:
    """Store an overlay given as a document (``definition``, ``authority`` keys; see the format doc)."""
    from amtsweg.directory.models import Authority

    if not isinstance(document, dict):
        raise OverlayInvalid(["Erwartet wird ein Objekt mit 'definition' und 'authority'."])
    definition = FormDefinition.objects.filter(key=document.get("definition")).first()
    authority = Authority.objects.filter(key=document.get("authority")).first()
    errors = []
    if definition is None:
        errors.append(f"definition: Antragsassistent '{document.get('definition')}' ist nicht geladen.")
    if authority is None:
        errors.append(f"authority: Behörde '{document.get('authority')}' gibt es nicht.")
    unknown = set(document) - {"definition", "authority", "parameters", "texts", "disabled_fields", "contact"}
    errors.extend(f"{name}: Unbekannte Angabe." for name in sorted(unknown))
    if errors:
        raise OverlayInvalid(errors)
    return overlay_set(
        definition=definition,
        authority=authority,
        parameters=document.get("parameters", {}),
        texts=document.get("texts", {}),
        disabled_fields=document.get("disabled_fields", []),
        contact=document.get("contact", {}),
        strict=strict,
    )


# -- code lists (genericode) ----------------------------------------------------------------------------------


@transaction.atomic
def codelist_import(*, data: bytes, file_name: str = "", source: str = "", licence: str = "") -> tuple[Any, str]:
    """Store a genericode 1.0 code list (replacing the same URN + version). Returns (CodeList, outcome).

    outcome is "neu", "aktualisiert" or "unverändert". Raises ``GenericodeInvalid`` (German message).
    """
    import hashlib

    from amtsweg.forms.genericode import genericode_parse
    from amtsweg.forms.models import CodeList, CodeListEntry

    digest = hashlib.sha256(data).hexdigest()
    known = CodeList.objects.filter(content_hash=digest).first()
    if known is not None and source in ("", known.source) and licence in ("", known.licence):
        return known, "unverändert"  # same bytes and attribution: no need to parse again (bootstrap reruns)
    parsed = genericode_parse(data=data)
    codelist = CodeList.objects.select_for_update().filter(urn=parsed.urn, version=parsed.version).first()
    meta = {
        "name": parsed.name[:255],
        "agency": parsed.agency[:255],
        "code_column": parsed.code_column[:100],
        "label_column": parsed.label_column[:100],
        "content_hash": digest,
        "file_name": file_name[:255],
    }
    if source:
        meta["source"] = source
    if licence:
        meta["licence"] = licence[:255]
    if codelist is not None and codelist.content_hash == digest:
        changed = [k for k in ("source", "licence", "file_name") if k in meta and getattr(codelist, k) != meta[k]]
        if changed:
            for name in changed:
                setattr(codelist, name, meta[name])
            codelist.save(update_fields=changed)
        return codelist, "unverändert"
    outcome = "aktualisiert" if codelist is not None else "neu"
    codelist = codelist or CodeList(urn=parsed.urn, version=parsed.version)
    for name, value in meta.items():
        setattr(codelist, name, value)
    codelist.save()
    codelist.entries.all().delete()
    CodeListEntry.objects.bulk_create(
        CodeListEntry(codelist=codelist, position=i, code=code[:255], label=label[:500])
        for i, (code, label) in enumerate(parsed.rows)
    )
    return codelist, outcome


def codelists_import_dir(*, directory: str | Path) -> list[str]:
    """Import every ``*.xml`` genericode file of ``directory``; source and licence from its SOURCES.md table.

    Returns one German report line per file. Raises ``GenericodeInvalid`` naming the file that fails.
    """
    from amtsweg.forms.genericode import GenericodeInvalid, sources_table

    directory = Path(directory)
    sources_file = directory / "SOURCES.md"
    sources = sources_table(sources_file.read_text(encoding="utf-8")) if sources_file.exists() else {}
    lines = []
    for path in sorted(directory.glob("*.xml")):
        source, licence = sources.get(path.name, ("", ""))
        try:
            codelist, outcome = codelist_import(
                data=path.read_bytes(), file_name=path.name, source=source, licence=licence
            )
        except GenericodeInvalid as exc:
            raise GenericodeInvalid(f"{path.name}: {exc}") from exc
        lines.append(
            f"{path.name}: {codelist.urn} Version {codelist.version} – {codelist.entries.count()} Einträge ({outcome})"
        )
    return lines
