"""Publishing an assistant for a Kommune: refused unless someone there is responsible for its Leistung.

Lives here, above forms and jurisdiction (which must not import each other, docs/adr/0014-import-layers.md):
forms publishes with the checks it is given, jurisdiction knows who is responsible.
"""

from __future__ import annotations

from amtsweg.forms.models import FormVersion
from amtsweg.forms.services import PublishCheck
from amtsweg.forms.services_fim import FimLoad, fim_schema_load
from amtsweg.jurisdiction.selectors import responsible_authority


def kommune_publish_errors(*, version: FormVersion, gemeinde) -> list[str]:
    """German reasons why ``version`` cannot serve citizens of ``gemeinde`` (a Territory); [] when it can."""
    definition = version.definition
    if definition.leistung is None:
        known = f" (LeiKa-Schlüssel {definition.leika_key} fehlt im Katalog)" if definition.leika_key else ""
        return [
            f"Der Antragsassistent „{definition.title}“ ist keiner Leistung zugeordnet{known}. Bitte geben Sie "
            "beim Import den LeiKa-Schlüssel der Leistung an."
        ]
    resolution = responsible_authority(leistung=definition.leistung, gemeinde=gemeinde)
    if resolution.authority is None:
        return [
            f"Für die Leistung „{definition.leistung.name}“ ist in {gemeinde.name} keine zuständige Behörde "
            f"erfasst ({resolution.explanation}). Der Assistent wird nicht veröffentlicht, weil Anträge "
            "niemanden erreichen würden. Bitte erfassen Sie zuerst die Vollzugsebene "
            "(leistung_execution_level_set) oder die zuständige Stelle."
        ]
    return []


def kommune_check(gemeinde) -> PublishCheck:
    return lambda version: kommune_publish_errors(version=version, gemeinde=gemeinde)


def fim_schema_publish(
    *, xml: bytes, key: str | None = None, leistung: str | None = None, publish: bool = True, gemeinde=None
) -> FimLoad:
    """``forms.services_fim.fim_schema_load``, publishing only if the Leistung is served in ``gemeinde``."""
    checks = [kommune_check(gemeinde)] if gemeinde is not None else []
    return fim_schema_load(xml=xml, key=key, leistung=leistung, publish=publish, checks=checks)
