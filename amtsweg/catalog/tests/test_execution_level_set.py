"""leistung_execution_level_set: an editor sets a Leistung's execution level with its reason."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from amtsweg.catalog.models import ExecutionLevel, Leistung

pytestmark = pytest.mark.django_db


def test_command_sets_level_with_reason_and_refuses_bad_input():
    leistung = Leistung.objects.filter(execution_level=ExecutionLevel.UNBEKANNT).exclude(leika_key="").first()
    out = StringIO()
    call_command(
        "leistung_execution_level_set", leistung.leika_key, "kreis", "--note", "SächsZustVO, Anlage 1", stdout=out
    )
    assert "Vollzugsebene „Landkreis / kreisfreie Stadt“" in out.getvalue()
    leistung.refresh_from_db()
    assert (leistung.execution_level, leistung.execution_level_note) == ("kreis", "SächsZustVO, Anlage 1")
    with pytest.raises(CommandError, match="Begründung"):
        call_command("leistung_execution_level_set", leistung.leika_key, "land", stdout=StringIO())
    with pytest.raises(CommandError, match="Unbekannte Vollzugsebene 'stadt'"):
        call_command("leistung_execution_level_set", leistung.leika_key, "stadt", "--note", "x", stdout=StringIO())
    with pytest.raises(CommandError, match="Keine Leistung"):
        call_command("leistung_execution_level_set", "00000000000000", "land", "--note", "x", stdout=StringIO())
