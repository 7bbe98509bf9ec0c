import copy
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from amtsweg.forms.definition import DefinitionInvalid, content_hash, definition_parse
from amtsweg.forms.models import FormDefinition, FormVersion
from amtsweg.forms.selectors import definition_export, form_version_current, form_version_latest
from amtsweg.forms.services import (
    FormVersionImmutable,
    definition_load,
    definition_load_file,
    form_version_create_draft,
    form_version_publish,
    form_version_retire,
    form_version_update,
)
from amtsweg.forms.tests.conftest import DEFINITIONS, minimal

pytestmark = pytest.mark.django_db


def test_load_creates_first_version_and_matches_leistung(hundesteuer):
    version = definition_load(document=hundesteuer, publish=True)
    assert (version.number, version.status) == (1, FormVersion.Status.PUBLISHED)
    assert version.published_at is not None
    assert version.content_hash == content_hash(hundesteuer)
    definition = version.definition
    assert definition.key == "hundesteuer-anmeldung"
    assert definition.leika_key == "99102013000000"
    assert definition.leistung is not None and definition.leistung.leika_key == "99102013000000"


def test_load_is_idempotent(hundesteuer):
    first = definition_load(document=hundesteuer, publish=True)
    again = definition_load(document=copy.deepcopy(hundesteuer), publish=True)
    assert again.pk == first.pk
    assert FormVersion.objects.filter(definition=first.definition).count() == 1


def test_changed_content_creates_new_version_and_keeps_old_one(hundesteuer):
    v1 = definition_load(document=hundesteuer, publish=True)
    changed = copy.deepcopy(hundesteuer)
    changed["steps"][1]["groups"][0]["fields"][0]["max_length"] = 40
    v2 = definition_load(document=changed, publish=True)
    assert (v2.number, v2.status) == (2, FormVersion.Status.PUBLISHED)
    v1.refresh_from_db()
    assert v1.document == hundesteuer and v1.status == FormVersion.Status.PUBLISHED
    assert v1.content_hash == content_hash(hundesteuer)
    assert form_version_current(definition=v1.definition) == v2


def test_unpublished_load_updates_the_draft_in_place():
    draft = definition_load(document=minimal())
    changed = minimal(title="Testantrag (neu)")
    again = definition_load(document=changed)
    assert again.pk == draft.pk and again.status == FormVersion.Status.DRAFT
    assert again.document["title"] == "Testantrag (neu)"
    assert form_version_current(definition=draft.definition) is None
    assert FormDefinition.objects.get(key="test-antrag").title == "Testantrag (neu)"


def test_invalid_document_is_refused_and_nothing_is_stored():
    document = minimal()
    document["steps"][0]["groups"][0]["fields"][1]["key"] = "name"
    with pytest.raises(DefinitionInvalid):
        definition_load(document=document)
    assert not FormDefinition.objects.filter(key="test-antrag").exists()


def test_published_version_cannot_be_updated_by_the_service():
    version = definition_load(document=minimal(), publish=True)
    with pytest.raises(FormVersionImmutable, match="kann nicht mehr geändert werden"):
        form_version_update(version=version, document=minimal(title="Anders"))
    version.refresh_from_db()
    assert version.document["title"] == "Testantrag"


def test_database_refuses_changing_a_published_version():
    # The trigger from migration 0002 guards against bulk updates and raw SQL that bypass the service.
    version = definition_load(document=minimal(), publish=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.filter(pk=version.pk).update(document=minimal(title="Anders"))
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.filter(pk=version.pk).update(status=FormVersion.Status.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        # Raw SQL: nothing in Django's delete collector gets a say, only the trigger.
        cursor.execute("DELETE FROM forms_formversion WHERE id = %s", [version.pk])
    version.refresh_from_db()
    assert version.document["title"] == "Testantrag" and version.status == FormVersion.Status.PUBLISHED


def test_database_allows_drafts_to_change_and_published_to_retire():
    draft = definition_load(document=minimal())
    FormVersion.objects.filter(pk=draft.pk).update(document=minimal(title="Entwurf"))
    published = form_version_publish(version=draft)
    retired = form_version_retire(version=published)
    assert retired.status == FormVersion.Status.RETIRED
    with pytest.raises(FormVersionImmutable):
        form_version_update(version=retired, document=minimal())


def test_publish_revalidates_and_is_idempotent():
    draft = definition_load(document=minimal())
    published = form_version_publish(version=draft)
    assert form_version_publish(version=published).published_at == published.published_at


def test_new_draft_copies_latest_published():
    v1 = definition_load(document=minimal(), publish=True)
    draft = form_version_create_draft(definition=v1.definition)
    assert (draft.number, draft.status, draft.document) == (2, FormVersion.Status.DRAFT, v1.document)
    assert form_version_create_draft(definition=v1.definition) == draft
    assert form_version_latest(definition=v1.definition) == draft
    assert form_version_current(definition=v1.definition) == v1


def test_update_refuses_other_key():
    draft = definition_load(document=minimal())
    with pytest.raises(DefinitionInvalid, match="passt nicht"):
        form_version_update(version=draft, document=minimal(key="anderer-antrag"))


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_round_trip(hundesteuer, fmt):
    version = definition_load(document=hundesteuer, publish=True)
    text = definition_export(version=version, fmt=fmt)
    assert content_hash(definition_parse(text=text, fmt=fmt)) == version.content_hash
    assert definition_load(document=definition_parse(text=text, fmt=fmt)).pk == version.pk


def test_load_file_yaml_and_json(tmp_path, hundesteuer):
    version = definition_load_file(path=DEFINITIONS / "hundesteuer-anmeldung.yaml", publish=True)
    assert version.document == hundesteuer
    path = tmp_path / "test.json"
    path.write_text(json.dumps(minimal()), encoding="utf-8")
    assert definition_load_file(path=path).definition.key == "test-antrag"


def test_load_file_errors_name_the_file(tmp_path):
    path = tmp_path / "kaputt.yaml"
    path.write_text("key: [", encoding="utf-8")
    with pytest.raises(DefinitionInvalid, match="Ungültiges YAML"):
        definition_load_file(path=path)
    path.write_text("key: x\ntitle: X\nsteps: []\n", encoding="utf-8")
    with pytest.raises(DefinitionInvalid) as info:
        definition_load_file(path=path)
    assert info.value.errors == ["kaputt.yaml: steps: Mindestens 1 Eintrag/Einträge nötig."]


def test_load_forms_command_defaults_and_errors(tmp_path, capsys, monkeypatch, place):
    from django.core.management.base import CommandError

    from amtsweg.forms.management.commands import load_forms

    folder = tmp_path / "definitions"
    (folder / "overlays").mkdir(parents=True)
    (folder / "hundesteuer-anmeldung.yaml").write_bytes((DEFINITIONS / "hundesteuer-anmeldung.yaml").read_bytes())
    (folder / "overlays" / "testhausen.yaml").write_text(
        "definition: hundesteuer-anmeldung\nauthority: test-testhausen\nparameters: {gebuehr_erster_hund: '108.00'}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(load_forms, "DEFINITIONS_DIR", folder)
    call_command("load_forms")  # overlays are loaded after the definitions they refer to
    definition = FormDefinition.objects.get(key="hundesteuer-anmeldung")
    assert form_version_current(definition=definition).number == 1
    assert definition.overlays.get().parameters == {"gebuehr_erster_hund": "108.00"}
    call_command("load_forms")  # idempotent
    assert definition.versions.count() == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="1 von 1"):
        call_command("load_forms", str(bad))
    assert "Pflichtangabe 'key' fehlt." in capsys.readouterr().err


def test_shipped_definitions_are_valid():
    from amtsweg.forms.definition import definition_errors
    from amtsweg.forms.management.commands.load_forms import DEFINITIONS_DIR

    for path in sorted(DEFINITIONS_DIR.glob("*.y*ml")):
        document = definition_parse(text=path.read_text(encoding="utf-8"))
        assert definition_errors(document=document) == [], path.name
