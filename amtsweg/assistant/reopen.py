"""The reopened upload step (issue 10 §5): after a Nachforderung the applicant uploads the documents into
the original assistant's step(s) with file fields, of the FormVersion the application was made with.

The earlier answers and uploads are read from the submission and only shown; the new uploads live in a
``Draft`` bound to the Vorgang (``Draft.vorgang``), so a half-done step survives a reload and another
device of the same account. Files pass the assistant's own checks (``uploads.upload_check``: type by
content, size per field, ``common.filecheck``) and quotas (``services.upload_store``). Submitting hands
them to ``cases.services.nachreichung_record`` (one ``nachreichung`` event with the files; processing
resumes) and deletes the draft. Lower layers never import this module.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from amtsweg.assistant import services
from amtsweg.assistant import uploads as upload_files
from amtsweg.assistant.models import Draft
from amtsweg.assistant.wizard import answer_get, file_refs
from amtsweg.cases.services import nachreichung_record
from amtsweg.forms.engine import ResolvedForm


@dataclass(frozen=True)
class ReopenField:
    """One file field of the reopened step: its answer path, spec and what was submitted for it."""

    path: str
    spec: dict
    step_title: str
    label: str
    earlier: tuple[str, ...]  # names of the files submitted with the application for this path


def reopen_fields(*, form: ResolvedForm, answers: dict, attachments) -> list[ReopenField]:
    """Every file field of the form, in step order; in repeat groups one per submitted row (at least one).

    Fields hidden by a condition are offered too: the Nachforderung may ask for exactly the document the
    citizen did not think necessary (e.g. the Nachweis for a reduction)."""
    earlier: dict[str, list[str]] = {}
    for attachment in attachments:
        earlier.setdefault(attachment.field_path, []).append(attachment.name)
    result = []
    for step in form.steps:
        for group in step["groups"]:
            for spec in group["fields"]:
                if spec["type"] != "file":
                    continue
                label = spec.get("label") or spec["key"]
                if group.get("repeat") is None:
                    paths = [(spec["key"], label)]
                else:
                    rows = answers.get(group["key"])
                    count = max(1, len(rows) if isinstance(rows, list) else 0)
                    item = group["repeat"].get("item_label") or group["title"]
                    paths = [(f"{group['key']}[{i}].{spec['key']}", f"{label} ({item} {i + 1})") for i in range(count)]
                for path, text in paths:
                    result.append(
                        ReopenField(
                            path=path,
                            spec=spec,
                            step_title=step["title"],
                            label=text,
                            earlier=tuple(earlier.get(path, ())),
                        )
                    )
    return result


def reopen_steps(*, form: ResolvedForm) -> list[dict]:
    """The steps that contain file fields (their earlier answers are shown read-only)."""
    return [s for s in form.steps if any(f["type"] == "file" for g in s["groups"] for f in g["fields"])]


def reopen_draft_find(*, vorgang) -> Draft | None:
    """The Vorgang's open reopen draft (one per Vorgang, shared by the organisation's members), or None."""
    return (
        Draft.objects.select_related("version__definition", "authority", "gemeinde")
        .filter(vorgang=vorgang, submitted_number="")
        .order_by("-updated")
        .first()
    )


def reopen_draft(*, vorgang, submission, user) -> Draft:
    """The Vorgang's open reopen draft, or a new empty one (pinned to the submission's FormVersion)."""
    draft = reopen_draft_find(vorgang=vorgang)
    if draft is not None:
        return draft
    return Draft.objects.create(
        token=secrets.token_urlsafe(32),
        version=submission.form_version,
        authority=vorgang.authority,
        gemeinde=submission.gemeinde,
        answers={},
        current_step="",
        expires_at=timezone.now() + services._ttl(),
        user=user,
        vorgang=vorgang,
    )


class NothingUploaded(ValueError):
    """Submitting without any new file."""


def reopen_submit(*, draft: Draft, fields: list[ReopenField], user, text: str = ""):
    """Hand the uploaded files to the Vorgang (``cases.services.nachreichung_record``), then remove the
    draft and its stored files. Raises ``NothingUploaded``, ``cases.services.CaseClosed``."""
    answers = draft.answers if isinstance(draft.answers, dict) else {}
    by_ref = {u.ref: u for u in draft.uploads.all()}
    files = []
    for field in fields:
        value = answer_get(answers, field.path)
        upload = by_ref.get(value.get("ref")) if isinstance(value, dict) else None
        if upload is None:
            continue
        content = upload_files.file_path(upload.path).read_bytes()
        files.append((field.label, upload.name, upload.content_type, content))
    if not files:
        raise NothingUploaded("no files")
    event = nachreichung_record(vorgang=draft.vorgang, user=user, files=files, text=text)
    uploads = list(draft.uploads.all())
    with transaction.atomic():
        draft.delete()
    for upload in uploads:
        upload_files.file_delete(upload.path)
    return event


def reopen_refs(draft: Draft) -> set[str]:
    return file_refs(draft.answers if isinstance(draft.answers, dict) else {})
