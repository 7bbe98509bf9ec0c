"""Reads of the Konfigurationsportal: whose authorities a user administers, the catalogue of central
services with their state per authority, one set-up (scoped), the current test, the route inventory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from amtsweg.assistant.models import Activation
from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory import permissions
from amtsweg.directory.models import Authority
from amtsweg.forms.models import FormDefinition, FormVersion
from amtsweg.forms.selectors import form_version_current
from amtsweg.hub.models import IntegrationRule, Product
from amtsweg.hub.registry import adapter_registry
from amtsweg.hub.services.routetest import route_fingerprint
from amtsweg.konfig.models import KonfigChange, RouteTest, ServiceSetup

# The portal's states of a service for one authority (German labels, in workflow order).
NOT_ACTIVATED = "nicht aktiviert"
PREPARING = "in Vorbereitung"
TEST_PASSED = "Test bestanden"
PLANNED = "geplant"
ONLINE = "online"
DEACTIVATED = "deaktiviert"
PAGE_SIZE = 10
# Adapters a Kommune may configure itself: they reach the Kommune's own systems over the network. A folder on
# the platform's servers (file drop, xdomea to a directory) is set up by the zentrale Koordination only.
PORTAL_ADAPTERS = ("http", "email", "sftp", "xdomea")


def authorities_administered(user) -> QuerySet[Authority]:
    """Authorities with an explicit Kommunal-Admin membership of ``user`` (``directory.permissions``). The
    portal lists only these: the zentrale Koordination administers every authority, but a catalogue per
    authority is no use to it — it works in the admin; a Koordination member who is also Kommunal-Admin
    somewhere sees that authority."""
    ids = {pk for pk, role in permissions.authority_roles(user).items() if role == permissions.ROLE_KOMMUNAL_ADMIN}
    return Authority.objects.filter(pk__in=ids)


def authority_for_admin(*, user, authority_id: int | None = None) -> Authority | None:
    """The authority the admin works on (the given one if administered, else the first); None = none."""
    authorities = authorities_administered(user).order_by("name")
    if authority_id is not None:
        return authorities.filter(pk=authority_id).first()
    return authorities.first()


def setup_for_admin(*, user, pk: int) -> ServiceSetup | None:
    """A set-up of one of the user's authorities; another authority's set-up is None (the view: 404)."""
    return (
        ServiceSetup.objects.filter(pk=pk, authority__in=authorities_administered(user))
        .select_related("definition__leistung", "authority")
        .first()
    )


class SetupUnusable(LookupError):
    """The set-up's assistant lost what a set-up needs: its Leistung or a published version."""


def setup_leistung(*, setup: ServiceSetup) -> Leistung:
    """The Leistung of the set-up's assistant: set-ups are made only for assistants with one
    (``definitions_offered``); ``SetupUnusable`` if it was removed since."""
    leistung = setup.definition.leistung
    if leistung is None:
        raise SetupUnusable(f"Der Antragsassistent {setup.definition.key} ist keiner Leistung zugeordnet.")
    return leistung


def setup_version(*, setup: ServiceSetup) -> FormVersion:
    """The published version of the set-up's assistant that citizens get; ``SetupUnusable`` if there is none."""
    version = form_version_current(definition=setup.definition)
    if version is None:
        raise SetupUnusable(f"Der Antragsassistent {setup.definition.key} hat keine veröffentlichte Fassung.")
    return version


def _levels_for(authority: Authority) -> list[str]:
    levels: list[str] = []
    if authority.acts_for_gemeinde:
        levels.append(ExecutionLevel.GEMEINDE)
    if authority.acts_for_kreis:
        levels.append(ExecutionLevel.KREIS)
    return levels


def definitions_offered(*, authority: Authority, query: str = "") -> QuerySet[FormDefinition]:
    """Released central assistants with a published version whose Leistung this authority executes."""
    published = FormVersion.objects.filter(status=FormVersion.Status.PUBLISHED).values("definition_id")
    definitions = (
        FormDefinition.objects.filter(reusable=True, pk__in=published, leistung__isnull=False)
        .filter(leistung__execution_level__in=_levels_for(authority))
        .select_related("leistung")
        .order_by("title")
    )
    query = query.strip()
    if query:
        definitions = definitions.filter(
            Q(title__icontains=query) | Q(leistung__name__icontains=query) | Q(leika_key__startswith=query)
        )
    return definitions


def products_routable() -> list[Product]:
    """Inventory products the hub can deliver to (one of their adapters is installed)."""
    usable = set(adapter_registry.all()) & set(PORTAL_ADAPTERS)
    return [p for p in Product.objects.filter(active=True) if set(p.adapter_types or []) & usable]


def deliverable_types(*, leika_key: str, rules: list | None = None) -> set[str]:
    """Adapter types the hub can deliver this Leistung to: an active rule exists for (Leistung or "*", type)."""
    if rules is None:
        rules = list(IntegrationRule.objects.filter(status=IntegrationRule.Status.ACTIVE))
    types = set()
    for rule in rules:
        if rule.leika_key in (leika_key, "*"):
            types |= set(rule.system_types or [])
    return types & set(PORTAL_ADAPTERS)


def target_kinds_for(*, products: list[Product], types: set[str]) -> list[str]:
    """What a service can be delivered to: the routable products reached by one of ``types``, plus the mailbox."""
    names = [p.name for p in products if set(p.adapter_types or []) & types]
    return [*names, "Funktionspostfach (E-Mail)"] if "email" in types else names


@dataclass(frozen=True)
class State:
    label: str  # one of the states above
    since: datetime | None = None  # the planned date for PLANNED

    @property
    def text(self) -> str:
        if self.label == PLANNED and self.since is not None:
            return f"geplant ab {timezone.localtime(self.since):%d.%m.%Y}"
        return self.label


def test_current(*, setup: ServiceSetup) -> RouteTest | None:
    """The latest successful test if it was made on the route as it is now; None otherwise."""
    latest = setup.route_tests.first()
    if latest is None or not latest.ok:
        return None
    leistung = setup.definition.leistung
    if leistung is None:
        return None
    current = route_fingerprint(authority=setup.authority, leistung=leistung)
    return latest if latest.fingerprint == current else None


def setup_state(*, setup: ServiceSetup | None, activation: Activation | None = None) -> State:
    if setup is None and activation is None:
        return State(NOT_ACTIVATED)
    if activation is not None and activation.live:
        return State(ONLINE)
    if setup is not None and setup.golive_at is not None:
        return State(PLANNED, setup.golive_at)
    if activation is not None and activation.periods.exists():
        return State(DEACTIVATED)
    if setup is None:
        return State(NOT_ACTIVATED)
    return State(TEST_PASSED) if test_current(setup=setup) else State(PREPARING)


@dataclass(frozen=True)
class CatalogueEntry:
    definition: FormDefinition
    setup: ServiceSetup | None
    state: State
    target_kinds: list[str]


def catalogue(*, authority: Authority, query: str = "") -> list[CatalogueEntry]:
    """The catalogue rows for ``authority`` (state per service)."""
    definitions = list(definitions_offered(authority=authority, query=query))
    setups = {s.definition_id: s for s in ServiceSetup.objects.filter(authority=authority)}
    activations = {
        a.definition_id: a
        for a in Activation.objects.filter(authority=authority, definition__in=definitions).prefetch_related("periods")
    }
    products = products_routable()
    rules = list(IntegrationRule.objects.filter(status=IntegrationRule.Status.ACTIVE))
    return [
        CatalogueEntry(
            definition=d,
            setup=setups.get(d.pk),
            state=setup_state(setup=setups.get(d.pk), activation=activations.get(d.pk)),
            target_kinds=target_kinds_for(
                products=products, types=deliverable_types(leika_key=d.leistung.leika_key, rules=rules)
            ),
        )
        for d in definitions
        if d.leistung is not None  # always (definitions_offered)
    ]


def activation_of(*, setup: ServiceSetup) -> Activation | None:
    return Activation.objects.filter(definition=setup.definition, authority=setup.authority).first()


def setup_changes(*, setup: ServiceSetup) -> QuerySet[KonfigChange]:
    return setup.changes.select_related("user").order_by("-version")


def setups_due(*, now: datetime) -> QuerySet[ServiceSetup]:
    return ServiceSetup.objects.filter(golive_at__lte=now).select_related("definition__leistung", "authority")
