"""The hub API never answers a malformed body with a 500 (issue 8, finding 6): 400 with a German ``detail``."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from amtsweg.apiclients.services import api_client_create
from amtsweg.common.safe_json import JsonRefused, json_depth, json_loads
from amtsweg.directory.models import Authority
from amtsweg.hub.models import Message
from amtsweg.hub.tests.test_api import ALL_SCOPES, Caller, _antrag, _detail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal(client):
    _api_client, token = api_client_create(name="Externes Portal", scopes=["submissions:write"])
    return Caller(client, token)


@pytest.fixture
def back_office(client):
    authority = Authority.objects.order_by("pk").first()
    _api_client, token = api_client_create(name="Fachverfahren", scopes=ALL_SCOPES, authority=authority)
    return Caller(client, token)


def _raw_antrag(data_json: str) -> str:
    body = json.dumps(_antrag(data={"platzhalter": 1}))
    return body.replace('{"platzhalter": 1}', data_json)


@pytest.mark.parametrize("text", [r'{"name": "\ud800"}', r'{"\udfff": "x"}', r'{"a": ["ok", "\ud83d"]}'])
def test_lone_surrogate_in_data_is_400(portal, text):
    response = portal.post("/antraege/", raw=_raw_antrag(text), key="surrogat-0001")
    assert response.status_code == 400, response.content
    assert "Unicode" in _detail(response)
    assert not Message.objects.exists()


def test_a_proper_surrogate_pair_is_fine(portal):
    response = portal.post("/antraege/", raw=_raw_antrag(r'{"hund": "Bello \ud83d\udc36"}'), key="surrogat-0002")
    assert response.status_code == 201, response.content
    from amtsweg.hub.services import message_data

    assert message_data(message=Message.objects.get())["hund"] == "Bello 🐶"


@pytest.mark.parametrize("levels", [65, 1000, 100_000])
def test_deeply_nested_json_is_400(portal, levels):
    nested = "[" * levels + "]" * levels
    response = portal.post("/antraege/", raw=_raw_antrag(f'{{"tief": {nested}}}'), key="tief-00001")
    assert response.status_code == 400, response.content
    assert "verschachtelt" in _detail(response)


def test_nesting_within_the_limit_is_accepted(portal):
    nested = '{"a": ' * 30 + "1" + "}" * 30
    response = portal.post("/antraege/", raw=_raw_antrag(nested), key="tief-00002")
    assert response.status_code == 201, response.content


def test_return_channel_refuses_bad_json_too(back_office):
    response = back_office.post("/vorgaenge/AW-2026-XXXXXXXX/status/", raw='{"status": "\\ud800"}')
    assert response.status_code == 400 and "Unicode" in _detail(response)
    response = back_office.post("/vorgaenge/AW-2026-XXXXXXXX/status/", raw="[" * 5000)
    assert response.status_code == 400 and "verschachtelt" in _detail(response)


def test_nan_and_invalid_utf8_are_400(portal):
    response = portal.post("/antraege/", raw=_raw_antrag('{"zahl": NaN}'), key="nan-000001")
    assert response.status_code == 400 and "NaN" in _detail(response)
    response = portal.post("/antraege/", raw=_raw_antrag('{"x": "a"}').encode() + b"\xff", key="utf8-00001")
    assert response.status_code == 400 and "UTF-8" in _detail(response)


def test_depth_ignores_brackets_in_strings():
    assert json_depth('{"a": "[[[[{{{{\\"[["}') == 1
    assert json_depth('[[], [[1]], {"b": [2]}]') == 3
    with pytest.raises(JsonRefused, match="verschachtelt"):
        json_loads("[" * 2000, max_depth=64)
