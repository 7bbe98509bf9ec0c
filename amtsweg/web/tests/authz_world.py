"""Two of everything for the authorisation walk: citizens, organisations, authorities, their cases and staff.

Side "a" is Dresden, side "b" Freiberg. Each side has a citizen with a submitted application (attachment,
receipt, Bescheid), an organisation with an owner and a clerk, the authority's hub message, API client,
assistant activation, overlay, target system and routing. Staff: Sachbearbeitung of A and B, Kommunal-Admin
of A, and the zentrale Koordination through the group (no superuser). Every staff account holds EVERY model
permission — the worst case an operator could configure; the roles and the scoping must still hold.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from amtsweg.submissions.tests.conftest import PDF_BYTES, VALID_ANSWERS

# What must never show up on a page of someone who is not entitled to the side.
CITIZENS = {
    "a": {"vorname": "Erika", "nachname": "Mustermann", "iban": "DE89 3704 0044 0532 0130 00"},
    "b": {"vorname": "Berta", "nachname": "Zwiebelkamp", "iban": "DE02 1203 0000 0000 2020 51"},
}
ORGANISATIONS = {"a": "Bäckerei Apfelgrund GmbH", "b": "Zimmerei Birnbaumer KG"}
# A Beteiligung comment of each side's Kommune, still waiting for moderation: only that Kommune and the
# Koordination may read it.
KOMMENTARE = {"a": "Vorschlag Quittenweg: Online-Zahlung ergänzen.", "b": "Vorschlag Holunderpfad: Nachweise vorab."}

SESSION_ROLES = (
    "anonymous",
    "citizen_a",
    "citizen_b",
    "org_a",
    "org_b",
    "sb_a",
    "sb_b",
    "ka_a",
    "koordination",
)
API_ROLES = ("api_a", "api_b")
STAFF_ROLES = ("sb_a", "sb_b", "ka_a", "koordination")

# Which side's case data (number, name, IBAN) and organisation a role may see anywhere.
CASE_SIDES = {
    "citizen_a": {"a"},
    "citizen_b": {"b"},
    "sb_a": {"a"},
    "sb_b": {"b"},
    "ka_a": {"a"},
    "koordination": {"a", "b"},
    "api_a": {"a"},
    "api_b": {"b"},
}
ORG_SIDES = {"org_a": {"a"}, "org_b": {"b"}, "koordination": {"a", "b"}}


@dataclass
class Side:
    key: str
    submission: object = None
    vorgang: object = None
    citizen: object = None
    organisation: object = None
    org_owner: object = None
    org_clerk_membership: object = None
    bescheid: object = None
    nachreichung: object = None  # the citizen's Nachreichung event (one document, position 1)
    message: object = None
    objects: dict = field(default_factory=dict)  # model label -> an object of this side (admin walk)

    def markers(self) -> list[str]:
        person = CITIZENS[self.key]
        iban = person["iban"]
        return [self.vorgang.number, person["nachname"], iban, iban.replace(" ", ""), KOMMENTARE[self.key]]

    def org_markers(self) -> list[str]:
        return [ORGANISATIONS[self.key]]


@dataclass
class World:
    sides: dict
    users: dict
    api_tokens: dict
    leistung: object
    version: object
    shared: dict = field(default_factory=dict)  # platform-wide objects (model label -> object)

    def side(self, key: str) -> Side:
        return self.sides[key]


def _dangerous_dog(answers: dict) -> dict:
    answers["hund"][0]["hund_gefaehrlich"] = True
    answers["hund"][0]["hund_gutachten"] = {"name": "wesenstest.pdf", "size": len(PDF_BYTES), "type": "pdf"}
    return answers


def _user(username: str, **extra):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="x" * 16, **extra
    )


def _all_permissions(user) -> None:
    user.user_permissions.set(Permission.objects.all())


def world_build(*, version, leistung, gemeinden: dict) -> World:
    from amtsweg.accounts.models import Membership, Organisation
    from amtsweg.apiclients.models import Scope
    from amtsweg.apiclients.services import api_client_create
    from amtsweg.assistant.models import Activation
    from amtsweg.assistant.services import draft_create
    from amtsweg.cases.models import CaseStatus, Vorgang
    from amtsweg.cases.services import bescheid_issue, nachreichung_record
    from amtsweg.directory.models import AuthorityMembership
    from amtsweg.directory.permissions import KOORDINATION_GROUP
    from amtsweg.directory.services import membership_set
    from amtsweg.forms.models import Overlay
    from amtsweg.hub.models import Message, Routing, TargetSystem
    from amtsweg.inbox.models import NachforderungVorlage, SavedView
    from amtsweg.submissions.services import AttachmentUpload, submission_submit
    from amtsweg.submissions.worker_steps import receipt_store

    users: dict = {}
    sides: dict = {}
    tokens: dict = {}
    for key in ("a", "b"):
        side = Side(key=key)
        citizen = users[f"citizen_{key}"] = _user(f"buerger.{key}")
        answers = _dangerous_dog(copy.deepcopy(VALID_ANSWERS))
        person = CITIZENS[key]
        answers.update(
            vorname=person["vorname"],
            nachname=person["nachname"],
            iban=person["iban"],
            kontoinhaber=f"{person['vorname']} {person['nachname']}",
        )
        upload = SimpleUploadedFile("wesenstest.pdf", PDF_BYTES, content_type="application/pdf")
        submission = submission_submit(
            version=version,
            overlay=None,
            answers=answers,
            gemeinde=gemeinden[key],
            leistung=leistung,
            email=citizen.email,
            attachments=[AttachmentUpload.from_upload(field_path="hund[0].hund_gutachten", upload=upload)],
            idempotency_key=f"walk-{uuid.uuid4()}",
            applicant=citizen,
        )
        receipt_store(submission=submission)
        side.submission, side.vorgang, side.citizen = submission, submission.vorgang, citizen
        authority, place = submission.authority, gemeinden[key]

        org = Organisation.objects.create(name=ORGANISATIONS[key])
        owner = users[f"org_{key}"] = _user(f"inhaber.{key}")
        clerk = _user(f"bearbeiter.{key}")
        Membership.objects.create(organisation=org, user=owner, role="inhaber")
        side.org_clerk_membership = Membership.objects.create(organisation=org, user=clerk, role="bearbeiter")
        side.organisation, side.org_owner = org, owner

        sb = users[f"sb_{key}"] = _user(f"sb.{key}", is_staff=True)
        _all_permissions(sb)
        membership_set(user=sb, authority=authority, role=AuthorityMembership.Role.SACHBEARBEITUNG)

        side.bescheid = bescheid_issue(vorgang=side.vorgang, actor=sb, text=f"Bescheid für {person['nachname']}.")
        # A file event is needed for the download URLs, an open case for the actions: reopen it (walk only).
        Vorgang.objects.filter(pk=side.vorgang.pk).update(status=CaseStatus.IN_BEARBEITUNG)
        side.vorgang.refresh_from_db()
        side.message = Message.objects.filter(vorgang=side.vorgang).first()
        side.nachreichung = nachreichung_record(
            vorgang=side.vorgang, user=citizen, files=[("Nachweis", "nachweis.pdf", "application/pdf", PDF_BYTES)]
        )

        client, token = api_client_create(name=f"Fachverfahren {key}", scopes=list(Scope.values), authority=authority)
        tokens[f"api_{key}"] = token
        target = TargetSystem.objects.create(authority=authority, key=f"fv-{key}", name=f"FV {key}", type_key="http")
        side.objects = {
            "cases.vorgang": side.vorgang,
            "cases.caseevent": side.bescheid,
            "submissions.submission": submission,
            "hub.message": side.message,
            "directory.authoritymembership": AuthorityMembership.objects.get(user=sb),
            "apiclients.apiclient": client,
            "assistant.activation": Activation.objects.create(
                definition=version.definition, authority=authority, live=False
            ),
            "forms.overlay": Overlay.objects.create(definition=version.definition, authority=authority),
            "hub.targetsystem": target,
            "hub.routing": Routing.objects.create(authority=authority, leistung=leistung, target=target),
            "accounts.organisation": org,
            "inbox.savedview": SavedView.objects.create(user=sb, name="Offene", query="status=eingegangen"),
            "inbox.nachforderungvorlage": NachforderungVorlage.objects.create(
                authority=authority, title=f"Vorlage {key}", text="Bitte reichen Sie Folgendes ein."
            ),
            "cases.casedocument": side.nachreichung.documents.get(),
            "assistant.draft": draft_create(version=version, authority=authority, gemeinde=place, user=citizen),
            **_konfig_objects(version=version, leistung=leistung, authority=authority, gemeinde=place),
            **_projekte_objects(key=key, leistung=leistung, authority=authority, author=sb),
        }
        sides[key] = side

    ka = users["ka_a"] = _user("ka.a", is_staff=True)
    _all_permissions(ka)
    membership_set(user=ka, authority=sides["a"].vorgang.authority, role=AuthorityMembership.Role.KOMMUNAL_ADMIN)
    koordination = users["koordination"] = _user("koordination", is_staff=True)
    _all_permissions(koordination)
    koordination.groups.add(Group.objects.get(name=KOORDINATION_GROUP))
    world = World(sides=sides, users=users, api_tokens=tokens, leistung=leistung, version=version)
    world.shared["rollout.kurzstatuspublication"] = _publication()
    return world


def _konfig_objects(*, version, leistung, authority, gemeinde) -> dict:
    """The authority's set-up of the test assistant, and its offer to hand the Leistung to Chemnitz."""
    from django.utils import timezone

    from amtsweg.directory.models import Authority
    from amtsweg.konfig.models import Handover, ServiceSetup

    return {
        "konfig.servicesetup": ServiceSetup.objects.create(definition=version.definition, authority=authority),
        "konfig.handover": Handover.objects.create(
            leistung=leistung,
            from_authority=authority,
            to_authority=Authority.objects.get(key="gem-14511000"),
            territory=gemeinde,
            offered_at=timezone.now(),
        ),
    }


def _projekte_objects(*, key: str, leistung, authority, author) -> dict:
    """A project with a Werkstatt the side's Kommune is invited to, its result document and a waiting comment."""
    from django.utils import timezone

    from amtsweg.projekte.models import Einladung, Kommentar, Leistungspaket
    from amtsweg.projekte.services import dokument_upload, projekt_create, werkstatt_create

    projekt = projekt_create(paket=Leistungspaket.objects.get(number="12"), lb="", title=f"Walk-Projekt {key}")
    werkstatt = werkstatt_create(projekt=projekt, number=1, date=timezone.localdate())
    return {
        "projekte.projekt": projekt,
        "projekte.werkstatt": werkstatt,
        "projekte.einladung": Einladung.objects.create(werkstatt=werkstatt, authority=authority),
        "projekte.ergebnisdokument": dokument_upload(
            werkstatt=werkstatt, art="protokoll", name=f"protokoll-{key}.pdf", data=_blank_pdf()
        ),
        "projekte.kommentar": Kommentar.objects.create(
            leistung=leistung, authority=authority, author=author, text=KOMMENTARE[key]
        ),
    }


def _blank_pdf() -> bytes:
    """A well-formed one-page PDF (the result documents are re-written by the sanitiser, which needs one)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _publication():
    from amtsweg.rollout.models import KurzstatusPublication

    return KurzstatusPublication.objects.create(
        stichtag="2026-01-01", html="<p>Kurzstatus</p>", csv="Leistung;Angebote\n", pdf=PDF_BYTES
    )


def world_fingerprint(world: World) -> dict:
    """Everything a forbidden request could change, to compare before and after."""
    from amtsweg.accounts.models import Invitation, Membership, Organisation
    from amtsweg.cases.models import CaseEvent, Vorgang

    result = {}
    for key, side in world.sides.items():
        vorgang = Vorgang.objects.get(pk=side.vorgang.pk)
        result[key] = {
            "vorgang": (vorgang.status, vorgang.assignee_id, vorgang.due_date, vorgang.paused_since),
            "applicant": vorgang.applicant_id,
            "events": CaseEvent.objects.filter(vorgang=vorgang).count(),
            "org": Organisation.objects.filter(pk=side.organisation.pk).values_list("name", flat=True).first(),
            "members": sorted(Membership.objects.filter(organisation=side.organisation).values_list("user_id", "role")),
            "invitations": Invitation.objects.filter(organisation=side.organisation).count(),
            "objects": {
                label: type(obj).objects.filter(pk=obj.pk).exists() for label, obj in side.objects.items() if obj
            },
        }
    result["shared"] = {label: type(obj).objects.filter(pk=obj.pk).exists() for label, obj in world.shared.items()}
    result["users"] = sorted(get_user_model().objects.values_list("pk", "is_active", "is_staff", "is_superuser"))
    return result
