from amtsweg.demo.hub import hub_demo_ensure
from amtsweg.hub.models import Message, Routing, TargetSystem


def test_hub_demo_ensure_is_idempotent_and_leaves_jurisdiction_alone(db):
    from amtsweg.directory.models import Authority

    first = hub_demo_ensure()
    second = hub_demo_ensure()
    assert first["fehlende_behoerden"] == [] and second["weiterleitungen"] == 0
    demo = Authority.objects.get(key="demobehoerde")
    assert demo.name == "Demobehörde Amtsweg" and not demo.serves.exists()
    types = lambda key: set(TargetSystem.objects.filter(authority__key=key).values_list("type_key", flat=True))  # noqa: E731
    assert types("gem-14522180") == {"http", "email"} and types("gem-14511000") == {"xdomea", "filedrop"}
    fv = TargetSystem.objects.get(authority__key="gem-14522180", key="fachverfahren")
    assert fv.secrets_encrypted and "secret" not in fv.config
    assert Routing.objects.filter(authority__key="lra-14625").count() == 1


def test_admin_lists_show_no_personal_data_and_dry_run_works(admin_client, submit, target_factory, rules):
    from amtsweg.directory.models import Authority
    from amtsweg.hub.models import IntegrationRule

    target_factory(authority=Authority.objects.get(key="gem-14612000"))
    message = Message.objects.get(vorgang__submission=submit())
    for url in ("/admin/hub/message/", f"/admin/hub/message/{message.pk}/change/", "/admin/hub/delivery/"):
        response = admin_client.get(url)
        assert response.status_code == 200 and "Mustermann" not in response.content.decode()
    rule = IntegrationRule.objects.get(key="fachverfahren-xml", status="active")
    url = f"/admin/hub/integrationrule/{rule.pk}/dry-run/"
    response = admin_client.post(url, {"sample": "hundesteuer", "message": ""})
    assert response.status_code == 200 and "gültig" in response.content.decode()
    response = admin_client.post(url, {"sample": "", "message": message.vorgangsnummer})
    assert response.status_code == 200 and message.vorgangsnummer in response.content.decode()
    response = admin_client.post(url, {"sample": "", "message": "gibt-es-nicht"})
    assert "Keine Nachricht" in response.content.decode()
    assert admin_client.get("/admin/hub/targetsystem/add/").status_code == 200
