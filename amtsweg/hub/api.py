"""Hub API: inbound applications from external portals and the back office's return channel.

Authenticated API clients only (``api_auth``). Every client error is a 4xx with a German ``detail``:
400 malformed request or field errors (``errors``), 401 no/bad token, 403 missing scope or wrong
authority, 404 unknown Vorgang, 409 Idempotency-Key reused for a different body, 413 too large,
422 well-formed but unknown LeiKa key / AGS / no responsible authority, 429 rate limit.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import APIException, NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from amtsweg.apiclients.models import Scope
from amtsweg.apiclients.selectors import idempotency_lookup
from amtsweg.apiclients.services import idempotency_remember
from amtsweg.casefile.models import CaseEvent, CaseStatus
from amtsweg.casefile.selectors import case_events_for, case_status
from amtsweg.casefile.services import PDF_MAGIC, case_event_record
from amtsweg.common.canonical import canonical_json
from amtsweg.common.filecheck import FileRefused, attachment_sanitize
from amtsweg.core.api import JsonInputError, SafeJSONParser
from amtsweg.hub import api_serializers as s
from amtsweg.hub.api_auth import ApiClientAuthentication, ApiClientRateThrottle, HasApiScope, authority_check

IDEMPOTENCY_RE = re.compile(r"^[\x21-\x7e]{8,100}$")
DEFAULT_MAX_BODY_MB = 25


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "Die Anfrage ist zu groß."
    default_code = "payload_too_large"


class Unprocessable(APIException):
    status_code = 422
    default_detail = "Die Angaben sind formal richtig, können aber nicht verarbeitet werden."
    default_code = "unprocessable"


class Conflict(APIException):
    status_code = 409
    default_detail = "Der Idempotency-Key wurde bereits für eine andere Anfrage verwendet."
    default_code = "idempotency_conflict"


def max_body_bytes() -> int:
    return int(getattr(settings, "AMTSWEG_HUB_API_MAX_BODY_MB", DEFAULT_MAX_BODY_MB)) * 1024 * 1024


def max_file_bytes() -> int:
    return int(getattr(settings, "AMTSWEG_UPLOAD_MAX_MB", 10)) * 1024 * 1024


def _error_responses(*codes: int) -> dict:
    texts = {
        400: "Ungültige Anfrage oder Eingabefehler (Feldfehler unter „errors“).",
        401: "Nicht angemeldet oder Token ungültig.",
        403: "Berechtigung fehlt oder andere Behörde.",
        404: "Vorgang nicht gefunden oder nicht in der Zuständigkeit dieses Zugangs.",
        409: "Idempotency-Key bereits für eine andere Anfrage verwendet.",
        413: "Anfrage oder Datei zu groß.",
        422: "Unbekannte Leistung, Gemeinde oder keine zuständige Behörde; oder Datei ist kein PDF.",
        429: "Zu viele Anfragen.",
    }
    return {code: OpenApiResponse(s.HubErrorSerializer, description=texts[code]) for code in codes}


def _idempotency_param(required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        "Idempotency-Key",
        # The schema states what idempotency_key() checks, so clients (and schemathesis) can rely on it.
        {"type": "string", "minLength": 8, "maxLength": 100, "pattern": "^[!-~]{8,100}$"},
        OpenApiParameter.HEADER,
        required=required,
        description=(
            "Vom Aufrufer gewählter, eindeutiger Schlüssel (8–100 sichtbare ASCII-Zeichen). Wiederholung mit "
            "gleichem Inhalt liefert dasselbe Ergebnis (200), mit anderem Inhalt 409."
        ),
    )


_NUMBER = OpenApiParameter(
    "vorgangsnummer", OpenApiTypes.STR, OpenApiParameter.PATH, description="z. B. AW-2026-7K3QX9PM"
)
_MESSAGE_ID = OpenApiParameter("message_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Nachrichten-ID")


class HubApiView(APIView):
    authentication_classes = [ApiClientAuthentication]
    permission_classes = [HasApiScope]
    throttle_classes = [ApiClientRateThrottle]
    parser_classes = [SafeJSONParser]  # bounded nesting, no lone surrogates: 400, never a 500
    required_scopes: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Checked after authentication, so an anonymous caller learns nothing but 401.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ParseError("Ungültiger Content-Length-Header.") from None
        if length > max_body_bytes():
            raise PayloadTooLarge(f"Die Anfrage ist zu groß (höchstens {max_body_bytes() // (1024 * 1024)} MB).")

    def body(self, request) -> dict:
        try:
            data = request.data
        except JsonInputError:
            raise  # already says what is wrong (depth, Unicode, syntax)
        except ParseError:
            raise ParseError("Der Inhalt ist kein gültiges JSON.") from None
        if hasattr(data, "dict") and not isinstance(data, dict):
            data = data.dict()
        if not isinstance(data, dict):
            raise ParseError("Der Inhalt muss ein JSON-Objekt sein.")
        return data

    def validated(self, serializer_class, data: dict) -> dict:
        serializer = serializer_class(data=data)
        if not serializer.is_valid():
            raise ValidationError(
                {"detail": "Die Angaben sind unvollständig oder fehlerhaft.", "errors": serializer.errors}
            )
        return serializer.validated_data

    def idempotency_key(self, request, *, required: bool) -> str | None:
        key = request.headers.get("Idempotency-Key")
        if key is None or key == "":
            if required:
                raise ParseError("Der Header „Idempotency-Key“ fehlt (8–100 Zeichen, für jeden Antrag neu).")
            return None
        if not IDEMPOTENCY_RE.fullmatch(key):
            raise ParseError("Der Header „Idempotency-Key“ muss 8–100 sichtbare ASCII-Zeichen lang sein.")
        return key


def _request_hash(value) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


# --- Inbound applications ---------------------------------------------------------------------------------------


def _message_out(request, message) -> dict:
    url = request.build_absolute_uri(reverse("hub-api:antrag", kwargs={"message_id": message.pk}))
    return {
        "id": message.pk,
        "vorgangsnummer": message.vorgangsnummer,
        "status": message.status,
        "received_at": message.received_at,
        "status_url": url,
    }


class AntragCreateView(HubApiView):
    required_scopes = {"POST": Scope.SUBMISSIONS_WRITE}

    @extend_schema(
        operation_id="hub_antrag_einreichen",
        summary="Antrag einreichen (externes Portal)",
        description=(
            "Nimmt einen Antrag entgegen, ermittelt die zuständige Behörde und leitet ihn an deren "
            "Fachverfahren weiter. Ein Zugang mit Behördenbindung darf nur Anträge für diese Behörde einreichen."
        ),
        parameters=[_idempotency_param(True)],
        request=s.AntragInSerializer,
        responses={
            201: s.AntragOutSerializer,
            200: OpenApiResponse(s.AntragOutSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **_error_responses(400, 401, 403, 409, 413, 422, 429),
        },
        tags=["Integrationsdienst"],
    )
    def post(self, request):
        from amtsweg.hub.models import Message

        client = request.auth
        key = self.idempotency_key(request, required=True)
        body = self.body(request)
        digest = _request_hash(body)
        endpoint = "antraege"

        previous = idempotency_lookup(client=client, endpoint=endpoint, key=key)
        if previous is not None:
            return self._replay(request, previous, digest)

        data = self.validated(s.AntragInSerializer, body)
        attachments = []
        for item in data.get("attachments", []):
            content = s.b64decode_strict(item["content_base64"])
            if len(content) > max_file_bytes():
                raise PayloadTooLarge(
                    f"Die Anlage „{item['name']}“ ist zu groß (höchstens {max_file_bytes() // (1024 * 1024)} MB)."
                )
            try:  # content checked like citizens' uploads: parsed, no active content, images re-encoded
                content = attachment_sanitize(name=item["name"], content_type=item["content_type"], data=content)
            except FileRefused as refused:
                raise ValidationError({"detail": str(refused), "errors": {"attachments": [str(refused)]}}) from None
            attachments.append({"name": item["name"], "content_type": item["content_type"], "content": content})
        leistung, gemeinde, authority = self._resolve(client=client, leika_key=data["leika_key"], ags=data["ags"])
        payload = {
            "leika_key": data["leika_key"],
            "ags": data["ags"],
            "data": data["data"],
            "attachments": attachments,
            "email": data.get("email") or "",
        }
        with transaction.atomic():
            try:
                message = _message_create(
                    client=client,
                    payload=payload,
                    idempotency_key=f"api-{client.pk}-{key}",
                    leistung=leistung,
                    gemeinde=gemeinde,
                    authority=authority,
                )
            except ValueError as error:
                errors = getattr(error, "errors", None) or {"__all__": [str(error)]}
                raise Unprocessable({"detail": "Der Antrag kann nicht verarbeitet werden.", "errors": errors}) from None
            record = idempotency_remember(
                client=client, endpoint=endpoint, key=key, request_sha256=digest, result_id=str(message.pk)
            )
        if record.request_sha256 != digest:
            raise Conflict()
        if str(record.result_id) != str(message.pk):
            message = Message.objects.get(pk=record.result_id)
        return Response(s.AntragOutSerializer(_message_out(request, message)).data, status=http.HTTP_201_CREATED)

    def _replay(self, request, record, digest: str) -> Response:
        from amtsweg.hub.models import Message

        if record.request_sha256 != digest:
            raise Conflict()
        message = Message.objects.get(pk=record.result_id)
        return Response(s.AntragOutSerializer(_message_out(request, message)).data, status=http.HTTP_200_OK)

    def _resolve(self, *, client, leika_key: str, ags: str):
        from amtsweg.catalog.models import Leistung
        from amtsweg.directory.selectors import gemeinde_by_ags
        from amtsweg.jurisdiction.selectors import responsible_authority

        leistung = Leistung.objects.filter(leika_key=leika_key).order_by("pk").first()
        errors = {}
        if leistung is None:
            errors["leika_key"] = [f"Eine Leistung mit dem LeiKa-Schlüssel {leika_key} ist nicht bekannt."]
        gemeinde = gemeinde_by_ags(ags=ags)
        if gemeinde is None:
            errors["ags"] = [f"Eine Gemeinde mit dem Schlüssel {ags} ist nicht bekannt."]
        if errors:
            raise Unprocessable({"detail": "Leistung oder Gemeinde unbekannt.", "errors": errors})
        resolution = responsible_authority(leistung=leistung, gemeinde=gemeinde)
        authority = getattr(resolution, "authority", None)
        if authority is None:
            raise Unprocessable("Für diese Leistung ist in dieser Gemeinde keine zuständige Behörde hinterlegt.")
        if client.authority_id is not None and authority.pk != client.authority_id:
            raise PermissionDenied(
                "Dieser API-Zugang darf nur Anträge für seine eigene Behörde einreichen; "
                f"zuständig wäre {authority.name}."
            )
        return leistung, resolution.gemeinde or gemeinde, authority


def _vorgangsnummer_new() -> str:
    from django.utils import timezone

    from amtsweg.hub.models import Message
    from amtsweg.submissions.models import Submission
    from amtsweg.submissions.numbers import number_generate

    year = timezone.now().year
    while True:
        number = number_generate(year=year)
        taken = Submission.objects.filter(vorgangsnummer=number).exists()
        if not taken and not Message.objects.filter(vorgangsnummer=number).exists():
            return number


def _message_create(*, client, payload: dict, idempotency_key: str, leistung, gemeinde, authority):
    from amtsweg.hub.api_xml import api_data_xml

    """Create and route the hub message (same transaction); the hub-core's API service when it has one."""
    from amtsweg.hub import services as hub_services

    if hasattr(hub_services, "message_create_from_api"):
        message, _created = hub_services.message_create_from_api(
            client=client, payload=payload, idempotency_key=idempotency_key
        )
        return message
    message, _created = hub_services.message_create(
        idempotency_key=idempotency_key,
        source="api",
        vorgangsnummer=_vorgangsnummer_new(),
        authority=authority,
        data=payload["data"],
        data_xml=api_data_xml(data=payload["data"], leika_key=payload["leika_key"]),
        leistung=leistung,
        leika_key=payload["leika_key"],
        gemeinde=gemeinde,
        attachments=[(item["name"], item["content_type"], item["content"]) for item in payload["attachments"]],
        client_ref=str(client.pk),
    )
    return message


class AntragStatusView(HubApiView):
    required_scopes = {"GET": Scope.SUBMISSIONS_WRITE}

    @extend_schema(
        operation_id="hub_antrag_stand",
        summary="Stand eines eingereichten Antrags",
        description="Nur für den API-Zugang, der den Antrag eingereicht hat (oder einen Zugang derselben Behörde).",
        parameters=[_MESSAGE_ID],
        responses={200: s.AntragStatusSerializer, **_error_responses(401, 403, 404, 429)},
        tags=["Integrationsdienst"],
    )
    def get(self, request, message_id):
        from amtsweg.hub.models import Message

        client = request.auth
        message = Message.objects.filter(pk=message_id).first()
        allowed = message is not None and (
            message.client_ref == str(client.pk)
            or (client.authority_id is not None and message.authority_id == client.authority_id)
        )
        if not allowed:
            raise NotFound("Antrag nicht gefunden oder nicht von diesem API-Zugang eingereicht.")
        deliveries = [
            {"target": d.target.name, "status": d.status, "delivered_at": d.delivered_at}
            for d in message.deliveries.select_related("target").order_by("pk")
        ]
        current = case_status(submission=message.submission, vorgangsnummer=message.vorgangsnummer)
        data = {
            **_message_out(request, message),
            "deliveries": deliveries,
            "case_status": current.payload.get("status") if current else None,
        }
        return Response(s.AntragStatusSerializer(data).data)


# --- Return channel ---------------------------------------------------------------------------------------------


class Vorgang:
    """A case the back office reports on: a portal submission or an application that came in via the API."""

    def __init__(self, *, number: str, authority_id: int, submission=None, message_id=None):
        self.number = number
        self.authority_id = authority_id
        self.submission = submission
        self.message_id = message_id


def _vorgang_for(*, client, number: str) -> Vorgang:
    from amtsweg.submissions.selectors import submission_by_number

    not_found = NotFound("Vorgang nicht gefunden oder nicht in der Zuständigkeit dieses API-Zugangs.")
    if client.authority_id is None:
        raise PermissionDenied("Dieser API-Zugang ist keiner Behörde zugeordnet und darf den Rückkanal nicht nutzen.")
    if len(number) > 40:
        raise not_found
    vorgang = None
    submission = submission_by_number(number=number)
    if submission is not None:
        message = getattr(submission, "hub_message", None) if _has_hub_message(submission) else None
        vorgang = Vorgang(
            number=submission.vorgangsnummer,
            authority_id=submission.authority_id,
            submission=submission,
            message_id=message.pk if message else None,
        )
    else:
        from amtsweg.hub.models import Message

        message = Message.objects.filter(vorgangsnummer=number, submission__isnull=True).first()
        if message is not None:
            vorgang = Vorgang(number=message.vorgangsnummer, authority_id=message.authority_id, message_id=message.pk)
    # Another authority's case answers exactly like an unknown one: no hint that it exists.
    if vorgang is None or vorgang.authority_id != client.authority_id:
        raise not_found
    authority_check(client=client, authority_id=vorgang.authority_id)
    return vorgang


def _has_hub_message(submission) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return submission.hub_message is not None
    except (ObjectDoesNotExist, AttributeError):
        return False


class CaseEventView(HubApiView):
    kind: str = ""
    serializer_class = None

    def record(self, request, number: str, *, payload: dict, hash_input, file_name: str = "", file_content=None):
        client = request.auth
        vorgang = _vorgang_for(client=client, number=number)
        key = self.idempotency_key(request, required=False)
        endpoint = f"vorgang-{self.kind}"
        digest = _request_hash({"vorgang": vorgang.number, "body": hash_input})
        with transaction.atomic():
            if key:
                previous = idempotency_lookup(client=client, endpoint=endpoint, key=key)
                if previous is not None:
                    if previous.request_sha256 != digest:
                        raise Conflict()
                    event = CaseEvent.objects.get(pk=previous.result_id)
                    return Response(s.CaseEventSerializer(event).data, status=http.HTTP_200_OK)
            event = case_event_record(
                vorgangsnummer=vorgang.number,
                authority=client.authority,
                kind=self.kind,
                payload=payload,
                submission=vorgang.submission,
                message_id=vorgang.message_id,
                api_client=client,
                file_name=file_name,
                file_content=file_content,
            )
            if key:
                record = idempotency_remember(
                    client=client, endpoint=endpoint, key=key, request_sha256=digest, result_id=str(event.pk)
                )
                if record.result_id != str(event.pk):
                    # A concurrent request with the same key won: undo ours, answer like a repeat.
                    transaction.set_rollback(True)
                    if record.request_sha256 != digest:
                        raise Conflict()
                    return Response(
                        s.CaseEventSerializer(CaseEvent.objects.get(pk=record.result_id)).data,
                        status=http.HTTP_200_OK,
                    )
        return Response(s.CaseEventSerializer(event).data, status=http.HTTP_201_CREATED)


class CaseStatusView(CaseEventView):
    kind = CaseEvent.Kind.STATUS
    required_scopes = {"GET": Scope.STATUS_READ, "POST": Scope.STATUS_WRITE}

    @extend_schema(
        operation_id="hub_vorgang_status_lesen",
        summary="Status eines Vorgangs lesen",
        parameters=[_NUMBER],
        responses={200: s.CaseStatusSerializer, **_error_responses(401, 403, 404, 429)},
        tags=["Rückkanal"],
    )
    def get(self, request, vorgangsnummer: str):
        vorgang = _vorgang_for(client=request.auth, number=vorgangsnummer)
        events = list(case_events_for(submission=vorgang.submission, vorgangsnummer=vorgang.number))
        current = next((event for event in reversed(events) if event.kind == CaseEvent.Kind.STATUS), None)
        status_value = current.payload.get("status") if current else None
        data = {
            "vorgangsnummer": vorgang.number,
            "status": status_value,
            "status_label": CaseStatus(status_value).label if status_value in CaseStatus.values else None,
            "updated_at": events[-1].created if events else None,
            "events": events,
        }
        return Response(s.CaseStatusSerializer(data).data)

    @extend_schema(
        operation_id="hub_vorgang_status_melden",
        summary="Statusänderung melden (Fachverfahren)",
        parameters=[_NUMBER, _idempotency_param(False)],
        request=s.StatusInSerializer,
        responses={
            201: s.CaseEventSerializer,
            200: OpenApiResponse(s.CaseEventSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **_error_responses(400, 401, 403, 404, 409, 413, 429),
        },
        tags=["Rückkanal"],
    )
    def post(self, request, vorgangsnummer: str):
        body = self.body(request)
        data = self.validated(s.StatusInSerializer, body)
        payload = {"status": data["status"], "note": data.get("note", "")}
        return self.record(request, vorgangsnummer, payload=payload, hash_input=payload)


class NachforderungView(CaseEventView):
    kind = CaseEvent.Kind.NACHFORDERUNG
    required_scopes = {"POST": Scope.STATUS_WRITE}

    @extend_schema(
        operation_id="hub_vorgang_nachforderung",
        summary="Unterlagen nachfordern (Fachverfahren)",
        parameters=[_NUMBER, _idempotency_param(False)],
        request=s.NachforderungInSerializer,
        responses={
            201: s.CaseEventSerializer,
            200: OpenApiResponse(s.CaseEventSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **_error_responses(400, 401, 403, 404, 409, 413, 429),
        },
        tags=["Rückkanal"],
    )
    def post(self, request, vorgangsnummer: str):
        data = self.validated(s.NachforderungInSerializer, self.body(request))
        payload = {
            "text": data["text"],
            "due_date": data["due_date"].isoformat() if data.get("due_date") else None,
            "documents_requested": list(data.get("documents_requested") or []),
        }
        return self.record(request, vorgangsnummer, payload=payload, hash_input=payload)


def _pdf_check(content: bytes) -> None:
    if len(content) > max_file_bytes():
        raise PayloadTooLarge(f"Der Bescheid ist zu groß (höchstens {max_file_bytes() // (1024 * 1024)} MB).")
    # A real PDF starts with its header and ends with an end-of-file marker; a renamed file does not.
    if not content.startswith(PDF_MAGIC) or b"%%EOF" not in content[-1024:]:
        raise Unprocessable("Der Bescheid ist keine PDF-Datei (Inhalt geprüft, nicht der Dateiname).")


def _pdf_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._") or "bescheid"
    if not stem.lower().endswith(".pdf"):
        stem += ".pdf"
    return stem[-100:]


def _multipart_file(request) -> tuple[bytes, str]:
    """The part „file“: an upload with a file name, or a plain part (its content is the file all the same)."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > max_file_bytes():
            raise PayloadTooLarge(f"Der Bescheid ist zu groß (höchstens {max_file_bytes() // (1024 * 1024)} MB).")
        return upload.read(), upload.name or "bescheid.pdf"
    text = request.data.get("file")
    if not text:
        raise ValidationError({"detail": "Die Datei fehlt.", "errors": {"file": ["Dieses Feld ist erforderlich."]}})
    # Parts without a file name arrive decoded as text; the PDF check below refuses anything but a PDF.
    return text.encode("utf-8", "surrogateescape"), "bescheid.pdf"


class BescheidView(CaseEventView):
    kind = CaseEvent.Kind.BESCHEID
    required_scopes = {"POST": Scope.DECISIONS_WRITE}
    parser_classes = [SafeJSONParser, MultiPartParser]

    @extend_schema(
        operation_id="hub_vorgang_bescheid",
        summary="Bescheid übermitteln (PDF)",
        description="Als multipart/form-data (Feld „file“) oder als JSON mit Base64-Inhalt. Nur echte PDF-Dateien.",
        parameters=[_NUMBER, _idempotency_param(False)],
        request={
            "application/json": s.BescheidJsonInSerializer,
            "multipart/form-data": s.BescheidMultipartInSerializer,
        },
        responses={
            201: s.CaseEventSerializer,
            200: OpenApiResponse(s.CaseEventSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **_error_responses(400, 401, 403, 404, 409, 413, 422, 429),
        },
        tags=["Rückkanal"],
    )
    def post(self, request, vorgangsnummer: str):
        if request.content_type.startswith("multipart/"):
            content, name = _multipart_file(request)
            note = request.data.get("note", "")
            if len(note) > 2000:
                raise ValidationError(
                    {"detail": "Die Anmerkung ist zu lang.", "errors": {"note": ["Höchstens 2000 Zeichen."]}}
                )
        else:
            data = self.validated(s.BescheidJsonInSerializer, self.body(request))
            content = s.b64decode_strict(data["content_base64"])
            name = data.get("file_name") or "bescheid.pdf"
            note = data.get("note", "")
        _pdf_check(content)
        sha512 = hashlib.sha512(content).hexdigest()
        payload = {"note": note, "file_name": _pdf_name(name), "sha512": sha512}
        return self.record(
            request,
            vorgangsnummer,
            payload=payload,
            hash_input=payload,
            file_name=_pdf_name(name),
            file_content=content,
        )
