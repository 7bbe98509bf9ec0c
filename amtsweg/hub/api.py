"""Hub API: inbound applications from external portals and the back office's return channel.

Authenticated API clients only (``api_auth``). Every client error is a 4xx with a German ``detail``:
400 malformed request or field errors (``errors``), 401 no/bad token, 403 missing scope or wrong
authority, 404 unknown Vorgang, 409 Idempotency-Key reused for a different body, 413 too large,
422 well-formed but unknown LeiKa key / AGS / no responsible authority, 429 rate limit.
"""

from __future__ import annotations

import hashlib

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from amtsweg.apiclients.models import Scope
from amtsweg.cases.models import CaseEvent, CaseStatus
from amtsweg.cases.selectors import case_events_for, case_status
from amtsweg.hub import api_serializers as s
from amtsweg.hub.api_auth import authority_check
from amtsweg.hub.api_base import (
    MESSAGE_ID_PARAM,
    NUMBER_PARAM,
    HubApiView,
    PayloadTooLarge,
    error_responses,
    idempotency_param,
)
from amtsweg.hub.selectors import api_message_for_client
from amtsweg.hub.services.casereturn import bescheid_check, bescheid_name, case_event_accept, vorgang_for
from amtsweg.hub.services.intake import (
    api_attachment_accept,
    api_message_accept,
    api_message_previous,
    max_file_bytes,
    request_digest,
)
from amtsweg.web.api import SafeJSONParser

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
        parameters=[idempotency_param(True)],
        request=s.AntragInSerializer,
        responses={
            201: s.AntragOutSerializer,
            200: OpenApiResponse(s.AntragOutSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **error_responses(400, 401, 403, 409, 413, 422, 429),
        },
        tags=["Integrationsdienst"],
    )
    def post(self, request):
        client = request.auth
        key = self.idempotency_key(request, required=True)
        body = self.body(request)
        digest = request_digest(body)
        previous = api_message_previous(client=client, key=key, request_sha256=digest)
        if previous is not None:
            return Response(s.AntragOutSerializer(_message_out(request, previous)).data, status=http.HTTP_200_OK)
        data = self.validated(s.AntragInSerializer, body)
        attachments = [
            api_attachment_accept(
                name=item["name"], content_type=item["content_type"], content=s.b64decode_strict(item["content_base64"])
            )
            for item in data.get("attachments", [])
        ]
        message = api_message_accept(
            client=client,
            key=key,
            request_sha256=digest,
            leika_key=data["leika_key"],
            ags=data["ags"],
            data=data["data"],
            attachments=attachments,
        )
        return Response(s.AntragOutSerializer(_message_out(request, message)).data, status=http.HTTP_201_CREATED)


class AntragStatusView(HubApiView):
    required_scopes = {"GET": Scope.SUBMISSIONS_WRITE}

    @extend_schema(
        operation_id="hub_antrag_stand",
        summary="Stand eines eingereichten Antrags",
        description="Nur für den API-Zugang, der den Antrag eingereicht hat (oder einen Zugang derselben Behörde).",
        parameters=[MESSAGE_ID_PARAM],
        responses={200: s.AntragStatusSerializer, **error_responses(401, 403, 404, 429)},
        tags=["Integrationsdienst"],
    )
    def get(self, request, message_id):
        message = api_message_for_client(client=request.auth, message_id=message_id)
        if message is None:
            raise NotFound("Antrag nicht gefunden oder nicht von diesem API-Zugang eingereicht.")
        deliveries = [
            {"target": d.target.name, "status": d.status, "delivered_at": d.delivered_at}
            for d in message.deliveries.select_related("target").order_by("pk")
        ]
        current = case_status(vorgang=message.vorgang)
        data = {
            **_message_out(request, message),
            "deliveries": deliveries,
            "case_status": current.payload.get("status") if current else None,
        }
        return Response(s.AntragStatusSerializer(data).data)


# --- Return channel ---------------------------------------------------------------------------------------------


class CaseEventView(HubApiView):
    kind: str = ""
    serializer_class = None

    def record(self, request, number: str, *, payload: dict, hash_input, file_name: str = "", file_content=None):
        client = request.auth
        vorgang = vorgang_for(client=client, number=number)
        authority_check(client=client, authority_id=vorgang.authority_id)
        key = self.idempotency_key(request, required=False)
        event, created = case_event_accept(
            client=client,
            vorgang=vorgang,
            kind=self.kind,
            key=key,
            request_sha256=request_digest({"vorgang": vorgang.number, "body": hash_input}),
            payload=payload,
            file_name=file_name,
            file_content=file_content,
        )
        return Response(
            s.CaseEventSerializer(event).data, status=http.HTTP_201_CREATED if created else http.HTTP_200_OK
        )


class CaseStatusView(CaseEventView):
    kind = CaseEvent.Kind.STATUS
    required_scopes = {"GET": Scope.STATUS_READ, "POST": Scope.STATUS_WRITE}

    @extend_schema(
        operation_id="hub_vorgang_status_lesen",
        summary="Status eines Vorgangs lesen",
        description=(
            "Der aktuelle Status des Vorgangs – auch wenn er nicht aus einer Statusmeldung stammt: "
            "Nachforderung und Bescheid setzen ihn ebenso wie die Rücknahme durch die antragstellende Person "
            "(`zurueckgezogen`). Vor der ersten Meldung `eingegangen`. Die Ereignisse zeigen den Verlauf."
        ),
        parameters=[NUMBER_PARAM],
        responses={200: s.CaseStatusSerializer, **error_responses(401, 403, 404, 429)},
        tags=["Rückkanal"],
    )
    def get(self, request, vorgangsnummer: str):
        vorgang = vorgang_for(client=request.auth, number=vorgangsnummer)
        authority_check(client=request.auth, authority_id=vorgang.authority_id)
        events = list(case_events_for(vorgang=vorgang))
        # The Vorgang's own status, not the last status event: a withdrawal ("ruecknahme"), a Nachforderung
        # or a Bescheid change it too (cases.services.case_event_record).
        data = {
            "vorgangsnummer": vorgang.number,
            "status": vorgang.status,
            "status_label": CaseStatus(vorgang.status).label,
            "updated_at": events[-1].created if events else None,
            "events": events,
        }
        return Response(s.CaseStatusSerializer(data).data)

    @extend_schema(
        operation_id="hub_vorgang_status_melden",
        summary="Statusänderung melden (Fachverfahren)",
        parameters=[NUMBER_PARAM, idempotency_param(False)],
        request=s.StatusInSerializer,
        responses={
            201: s.CaseEventSerializer,
            200: OpenApiResponse(s.CaseEventSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **error_responses(400, 401, 403, 404, 409, 413, 429),
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
        parameters=[NUMBER_PARAM, idempotency_param(False)],
        request=s.NachforderungInSerializer,
        responses={
            201: s.CaseEventSerializer,
            200: OpenApiResponse(s.CaseEventSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **error_responses(400, 401, 403, 404, 409, 413, 429),
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
        parameters=[NUMBER_PARAM, idempotency_param(False)],
        request={
            "application/json": s.BescheidJsonInSerializer,
            "multipart/form-data": s.BescheidMultipartInSerializer,
        },
        responses={
            201: s.CaseEventSerializer,
            200: OpenApiResponse(s.CaseEventSerializer, description="Wiederholung (gleicher Idempotency-Key)."),
            **error_responses(400, 401, 403, 404, 409, 413, 422, 429),
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
        bescheid_check(content)
        sha512 = hashlib.sha512(content).hexdigest()
        payload = {"note": note, "file_name": bescheid_name(name), "sha512": sha512}
        return self.record(
            request,
            vorgangsnummer,
            payload=payload,
            hash_input=payload,
            file_name=bescheid_name(name),
            file_content=content,
        )
