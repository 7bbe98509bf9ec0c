"""Pages of the Konfigurationsportal (``/konfiguration/``): thin views over konfig selectors and services.

Only Kommunal-Admins get in, and only to their own authority's set-ups: a foreign id answers 404 like an
unknown one (also for POSTs), so ids cannot be probed.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amtsweg.forms.models import FormDefinition, FormVersion
from amtsweg.forms.selectors import form_resolve, overlay_get
from amtsweg.forms.services import OverlayInvalid
from amtsweg.hub.models import Product
from amtsweg.hub.registry import adapter_registry
from amtsweg.hub.targets import target_secrets
from amtsweg.konfig import handover, selectors, services
from amtsweg.konfig.forms import DetailsForm, GoLiveForm, SchemaForm, portal_schema

MAILBOX = "postfach"


def kommunal_admin_only(view):
    """Signed-in staff who are Kommunal-Admin of at least one authority; others go to the login (or 404)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not selectors.authorities_administered(user).exists():
            raise Http404("Keine Behörde zur Verwaltung zugeordnet")
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


def _setup_or_404(request, pk: int):
    setup = selectors.setup_for_admin(user=request.user, pk=pk)
    if setup is None:
        raise Http404("Einrichtung nicht gefunden")
    return setup


def _version_or_404(setup) -> FormVersion:
    try:
        return selectors.setup_version(setup=setup)
    except selectors.SetupUnusable as error:
        raise Http404("Dieser Antragsassistent ist nicht mehr veröffentlicht.") from error


def _authority(request):
    raw = request.GET.get("behoerde") or request.POST.get("behoerde")
    authority = selectors.authority_for_admin(
        user=request.user, authority_id=int(raw) if (raw or "").isdigit() else None
    )
    if authority is None:
        raise Http404("Behörde nicht gefunden")
    return authority


@require_GET
@kommunal_admin_only
def catalogue(request: HttpRequest):
    authority = _authority(request)
    query = (request.GET.get("q") or "").strip()[:100]
    rows = selectors.catalogue(authority=authority, query=query)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("seite"))
    context = {
        "authority": authority,
        "authorities": selectors.authorities_administered(request.user).order_by("name"),
        "query": query,
        "page": page,
        "rows": page.object_list,
        "handovers": handover.handovers_of(authority=authority)[:20],
    }
    return render(request, "konfig/catalogue.html", context)


@require_POST
@kommunal_admin_only
def activate(request: HttpRequest, definition_id: int):
    authority = _authority(request)
    definition = get_object_or_404(FormDefinition, pk=definition_id)
    try:
        setup = services.setup_activate(definition=definition, authority=authority, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("konfig:catalogue") + f"?behoerde={authority.pk}")
    messages.success(
        request, f"„{definition.title}“ ist aktiviert. Richten Sie die Leistung jetzt Schritt für Schritt ein."
    )
    return redirect("konfig:setup", pk=setup.pk)


@require_GET
@kommunal_admin_only
def setup_detail(request: HttpRequest, pk: int):
    setup = _setup_or_404(request, pk)
    activation = selectors.activation_of(setup=setup)
    target = services.setup_target(setup=setup)
    context = {
        "setup": setup,
        "state": selectors.setup_state(setup=setup, activation=activation),
        "overlay": overlay_get(definition=setup.definition, authority=setup.authority),
        "target": target,
        "test": setup.route_tests.first(),
        "test_current": selectors.test_current(setup=setup),
        "live": bool(activation and activation.live),
        "golive_form": GoLiveForm(),
        "changes": selectors.setup_changes(setup=setup)[:20],
    }
    return render(request, "konfig/setup.html", context)


@require_http_methods(["GET", "POST"])
@kommunal_admin_only
def details(request: HttpRequest, pk: int):
    setup = _setup_or_404(request, pk)
    version = _version_or_404(setup)
    overlay = overlay_get(definition=setup.definition, authority=setup.authority)
    form = DetailsForm(request.POST or None, document=version.document, overlay=overlay)
    if request.method == "POST" and form.is_valid():
        try:
            services.setup_details_save(setup=setup, user=request.user, **form.values())
        except OverlayInvalid as error:
            form.errors_from_service(error.errors)
        else:
            messages.success(request, "Ihre Angaben sind gespeichert.")
            return redirect("konfig:setup", pk=setup.pk)
    return render(request, "konfig/details.html", {"setup": setup, "form": form})


@require_GET
@kommunal_admin_only
def preview(request: HttpRequest, pk: int):
    """The assistant as citizens of this Kommune will see it: local texts, fees and contact applied."""
    setup = _setup_or_404(request, pk)
    version = _version_or_404(setup)
    form = form_resolve(version=version, overlay=overlay_get(definition=setup.definition, authority=setup.authority))
    specs = form.document.get("parameters") or {}
    fees = [(spec.get("label") or name, form.parameters.get(name)) for name, spec in specs.items()]
    context = {"setup": setup, "form": form, "fees": fees, "contact": form.contact, "authority": setup.authority}
    return render(request, "konfig/preview.html", context)


def _route_products(setup) -> list[Product]:
    """Inventory products this service can be delivered to (an adapter with a rule for its Leistung)."""
    try:
        leistung = selectors.setup_leistung(setup=setup)
    except selectors.SetupUnusable:
        return []
    types = selectors.deliverable_types(leika_key=leistung.leika_key)
    return [p for p in selectors.products_routable() if set(p.adapter_types or []) & types]


def _route_choice(request, setup, target) -> tuple[str, Product | None, str]:
    """(choice, product, adapter type) from the query, else from the stored target, else the mailbox."""
    products = {str(p.pk): p for p in _route_products(setup)}
    choice = request.GET.get("ziel") or request.POST.get("ziel") or ""
    if not choice and target is not None:
        choice = str(target.product_id) if target.product_id and str(target.product_id) in products else MAILBOX
    if choice not in products:
        choice = MAILBOX
    product = products.get(choice)
    installed = set(adapter_registry.all()) & set(selectors.PORTAL_ADAPTERS)
    options = [t for t in (product.adapter_types if product else ["email"]) if t in installed]
    wanted = request.GET.get("adapter") or request.POST.get("adapter") or (target.type_key if target else "")
    type_key = wanted if wanted in options else options[0]
    return choice, product, type_key


@require_http_methods(["GET", "POST"])
@kommunal_admin_only
def route(request: HttpRequest, pk: int):
    setup = _setup_or_404(request, pk)
    target = services.setup_target(setup=setup)
    choice, product, type_key = _route_choice(request, setup, target)
    adapter = adapter_registry.all()[type_key]
    same = target if target is not None and target.type_key == type_key else None
    stored_secrets = bool(same and target_secrets(target=same))
    default_name = product.name if product else "Funktionspostfach"
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=portal_schema(type_key, adapter.config_schema),
        config=same.config if same else {},
        secrets_stored=stored_secrets,
        initial={"name": same.name if same else default_name},
    )
    if request.method == "POST" and form.is_valid():
        config, secrets = form.values()
        try:
            services.setup_route_save(
                setup=setup,
                type_key=type_key,
                name=form.cleaned_data["name"],
                config=config,
                secrets=secrets,
                product=product,
                user=request.user,
            )
        except ValidationError as error:
            form.errors_from_service(error.message_dict if hasattr(error, "error_dict") else {"": error.messages})
        else:
            messages.success(request, "Die Weiterleitung ist gespeichert. Bitte senden Sie jetzt einen Testantrag.")
            return redirect("konfig:setup", pk=setup.pk)
    installed = {k: v for k, v in adapter_registry.all().items() if k in selectors.PORTAL_ADAPTERS}
    context = {
        "setup": setup,
        "form": form,
        "choice": choice,
        "product": product,
        "type_key": type_key,
        "adapter_label": adapter.label,
        "adapter_options": [
            (t, installed[t].label) for t in (product.adapter_types if product else []) if t in installed
        ],
        "products": _route_products(setup),
        "mailbox": MAILBOX,
    }
    return render(request, "konfig/route.html", context)


@require_POST
@kommunal_admin_only
def test_send(request: HttpRequest, pk: int):
    setup = _setup_or_404(request, pk)
    try:
        test = services.setup_test_send(setup=setup, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("konfig:setup", pk=setup.pk)
    if test.ok:
        messages.success(request, "Der Testantrag wurde zugestellt. Sie können die Leistung jetzt online schalten.")
    else:
        messages.error(request, "Der Testantrag wurde nicht zugestellt. Was zu tun ist, steht unter „Testantrag“.")
    return redirect(reverse("konfig:setup", kwargs={"pk": setup.pk}) + "#testantrag")


@require_POST
@kommunal_admin_only
def golive(request: HttpRequest, pk: int):
    setup = _setup_or_404(request, pk)
    form = GoLiveForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(map(str, error)))
        return redirect("konfig:setup", pk=setup.pk)
    at = None
    if form.cleaned_data["when"] == "datum":
        at = timezone.make_aware(datetime.combine(form.cleaned_data["date"], time.min))
    try:
        services.setup_golive_plan(setup=setup, at=at, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        setup.refresh_from_db()
        if setup.golive_at:
            messages.success(request, f"Die Leistung geht am {timezone.localtime(setup.golive_at):%d.%m.%Y} online.")
        else:
            messages.success(request, "Die Leistung ist jetzt online.")
    return redirect("konfig:setup", pk=setup.pk)


@require_POST
@kommunal_admin_only
def deactivate(request: HttpRequest, pk: int):
    setup = _setup_or_404(request, pk)
    services.setup_deactivate(setup=setup, user=request.user)
    messages.success(request, "Die Leistung ist nicht mehr online. Bürgerinnen und Bürger finden sie nicht mehr.")
    return redirect("konfig:setup", pk=setup.pk)


# --- shared service ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@kommunal_admin_only
def handover_offer(request: HttpRequest, definition_id: int):
    authority = _authority(request)
    definition = get_object_or_404(FormDefinition, pk=definition_id, leistung__isnull=False)
    leistung = definition.leistung
    if leistung is None:  # never: the look-up above demands one
        raise Http404
    candidates = handover.handover_candidates(authority=authority, leistung=leistung)
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("to", "")
        to = candidates.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if to is None:
            error = "Bitte wählen Sie die Behörde, die die Leistung übernehmen soll."
        else:
            try:
                handover.handover_offer(authority=authority, leistung=leistung, to_authority=to, user=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(
                    request, f"{to.name} wurde die Übernahme angeboten. Sie wird wirksam, sobald sie angenommen ist."
                )
                return redirect(reverse("konfig:catalogue") + f"?behoerde={authority.pk}")
    context = {"authority": authority, "definition": definition, "candidates": candidates, "error": error}
    return render(request, "konfig/handover.html", context)


@require_POST
@kommunal_admin_only
def handover_decide(request: HttpRequest, pk: int):
    item = handover.handover_for_admin(user=request.user, pk=pk)
    if item is None:
        raise Http404("Übertragung nicht gefunden")
    mine = set(selectors.authorities_administered(request.user).values_list("pk", flat=True))
    action = request.POST.get("aktion")
    receiving = item.to_authority_id in mine
    if action in ("annehmen", "ablehnen") and not receiving:
        raise PermissionDenied("Nur die übernehmende Behörde entscheidet über das Angebot.")
    actions = {
        "annehmen": handover.handover_accept,
        "ablehnen": handover.handover_decline,
        "beenden": handover.handover_end,
    }
    if action not in actions:
        raise Http404("Unbekannte Aktion")
    try:
        actions[action](handover=item, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Die Übertragung von „{item.leistung.name}“ ist jetzt: {item.get_status_display()}.")
    side = item.to_authority_id if receiving else item.from_authority_id
    return redirect(reverse("konfig:catalogue") + f"?behoerde={side}")
