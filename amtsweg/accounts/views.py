"""Mein Konto: overview, profile, organisations and invitations, and the step-up page (thin views)."""

from __future__ import annotations

import json

from allauth.account.decorators import reauthentication_required
from allauth.socialaccount.adapter import get_adapter as social_adapter
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from amtsweg.accounts import selectors, services
from amtsweg.accounts.forms import InvitationForm, OrganisationForm, ProfileForm, RoleForm
from amtsweg.catalog.models import AssuranceLevel


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, f"accounts/{template}", context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
def home(request: HttpRequest):
    context = {
        "profile": selectors.profile_for(user=request.user),
        "has_second_factor": selectors.user_has_second_factor(request.user),
        "memberships": selectors.organisations_for(user=request.user),
        "level": selectors.session_assurance_level(request),
        "organisation_form": OrganisationForm(),
    }
    return _page(request, "home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest):
    form = ProfileForm(request.POST or None, instance=selectors.profile_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, data=form.cleaned_data)
        messages.success(request, gettext("Ihre Angaben wurden gespeichert."))
        return redirect("accounts:home")
    return _page(request, "profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(user=request.user, **form.cleaned_data)
        messages.success(
            request, gettext("Das Organisationskonto „{name}“ wurde angelegt.").format(name=organisation.name)
        )
        return redirect("accounts:organisation", pk=organisation.pk)
    return _page(request, "organisation_create.html", {"form": form}, status=400 if form.errors else 200)


def _membership_or_404(request, pk: int):
    # Organisations one does not belong to do not exist for one: the same 404 as an unknown number.
    membership = selectors.membership_get(user=request.user, organisation_id=pk)
    if membership is None:
        raise Http404
    return membership


@login_required
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, pk: int):
    mine = _membership_or_404(request, pk)
    organisation = mine.organisation
    owner = selectors.is_owner(mine)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not owner:
            raise Http404
        if form.is_valid():
            try:
                services.invitation_create(
                    by=request.user,
                    organisation=organisation,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    base_url=request.build_absolute_uri("/"),
                )
            except services.AccountsError as error:
                form.add_error("email", str(error))
            else:
                messages.success(request, gettext("Die Einladung wurde per E-Mail verschickt."))
                return redirect("accounts:organisation", pk=pk)
    context = {
        "organisation": organisation,
        "mine": mine,
        "owner": owner,
        "members": [
            {"membership": m, "role_form": RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")}
            for m in selectors.members_of(organisation=organisation)
        ],
        "invitations": selectors.invitations_open(organisation=organisation) if owner else [],
        "form": form,
    }
    return _page(request, "organisation.html", context, status=400 if form.errors else 200)


def _other_membership(request, pk: int, member_pk: int):
    mine = _membership_or_404(request, pk)
    member = selectors.members_of(organisation=mine.organisation).filter(pk=member_pk).first()
    if member is None:
        raise Http404
    return member


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, member_pk: int):
    member = _other_membership(request, pk, member_pk)
    form = RoleForm(request.POST, prefix=f"m{member.pk}")
    try:
        if not form.is_valid():
            raise services.AccountsError(gettext("Bitte wählen Sie eine Rolle."))
        services.membership_role_change(by=request.user, membership=member, role=form.cleaned_data["role"])
    except services.AccountsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("Die Rolle wurde geändert."))
    return redirect("accounts:organisation", pk=pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int):
    member = _other_membership(request, pk, member_pk)
    leaving = member.user_id == request.user.id
    try:
        services.membership_remove(by=request.user, membership=member)
    except services.AccountsError as error:
        messages.error(request, str(error))
        return redirect("accounts:organisation", pk=pk)
    messages.success(request, gettext("Das Mitglied wurde entfernt."))
    if leaving:
        return redirect("accounts:home")
    return redirect("accounts:organisation", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str):
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except services.AccountsError as error:
            return _page(request, "invitation.html", {"error": str(error)}, status=400)
        messages.success(
            request, gettext("Sie sind jetzt Mitglied von „{name}“.").format(name=membership.organisation.name)
        )
        return redirect("accounts:organisation", pk=membership.organisation_id)
    return _page(request, "invitation.html", {})


def step_up(request: HttpRequest):
    """Log in again through an identity provider at the needed level, then back to where the citizen was."""
    required = request.GET.get("niveau")
    required = required if required in AssuranceLevel.values else AssuranceLevel.SUBSTANZIELL
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    providers = [
        {"name": p.name, "url": p.get_login_url(request, process="login", next=target)}
        for p in social_adapter().list_providers(request)
    ]
    context = {"required": required, "providers": providers, "current": selectors.session_assurance_level(request)}
    return _page(request, "step_up.html", context)


# --- Privacy: export and deletion ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def data_export(request: HttpRequest):
    """GET explains, POST downloads (a POST keeps the file out of caches, history and prefetching)."""
    if request.method == "GET":
        return _page(request, "data_export.html", {})
    data = selectors.account_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="amtsweg-meine-daten.json"'
    add_never_cache_headers(response)
    return response


@login_required
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest):
    """Confirmed deletion; allauth asks for the password (or second factor / provider login) again first
    unless the user logged in moments ago."""
    blocking = selectors.organisations_blocking_deletion(user=request.user)
    if request.method == "POST":
        if request.POST.get("bestaetigung") != "ja":
            messages.error(request, gettext("Bitte bestätigen Sie, dass Sie Ihr Konto endgültig löschen möchten."))
            return _page(request, "account_delete.html", {"blocking": blocking}, status=400)
        user = request.user
        try:
            services.account_delete(user=user)
        except services.AccountsError as error:
            messages.error(request, str(error))
            return _page(request, "account_delete.html", {"blocking": blocking}, status=400)
        logout(request)
        messages.success(request, gettext("Ihr Konto und die dazugehörigen Daten wurden gelöscht."))
        return redirect("/")
    return _page(request, "account_delete.html", {"blocking": blocking})
