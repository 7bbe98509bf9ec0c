"""The production nginx site (deploy/nginx/) as an operator installs it: TLS termination in front of a real
gunicorn running Django in production mode, the HTTP → HTTPS redirect, X-Forwarded-Proto reaching Django,
the body limits with German answers, and static files with long cache headers.

Only ports, the test certificate, the paths and the backend address are replaced (nginx_conf.py checks
each replacement matched). No database is needed: /health/live does not touch it.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time

import pytest

from amtsweg.ops.tests.nginx_conf import nginx_check, nginx_path, render_production_site
from amtsweg.ops.tests.scaleout_stack import ProcessGroup, free_port, gunicorn_command

pytestmark = pytest.mark.skipif(
    nginx_path() is None, reason="nginx fehlt: Debian-Paket nginx installieren (./dev test tut das)"
)

MB = 1024 * 1024


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """nginx with deploy/nginx/amtsweg.conf (TLS) in front of one production-mode gunicorn."""
    from amtsweg.hub.receivers.tls import make_test_pki

    tmp_path = tmp_path_factory.mktemp("nginx-site")
    pki = make_test_pki(tmp_path / "pki")
    web_port, http_port, https_port = free_port(), free_port(), free_port()
    prefix = tmp_path / "nginx"
    conf = render_production_site(
        prefix=prefix,
        cert=pki.server_cert,
        key=pki.server_key,
        http_port=http_port,
        https_port=https_port,
        backends=[f"127.0.0.1:{web_port}"],
    )
    static = prefix / "static" / "css"
    static.mkdir(parents=True)
    (static / "amtsweg.abc123.css").write_text("body { color: #000; }\n")
    (tmp_path / "var").mkdir()
    env = {
        "PATH": "/usr/sbin:/usr/bin:/bin",
        "AMTSWEG_MODE": "production",
        "DJANGO_SECRET_KEY": "nginx-site-test-" + "k" * 48,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "AMTSWEG_VAR_DIR": str(tmp_path / "var"),
        "AMTSWEG_LOG_LEVEL": "ERROR",
    }
    group = ProcessGroup(tmp_path / "logs")
    try:
        group.spawn("web", gunicorn_command(port=web_port, workers=1, threads=2), env)
        group.spawn_nginx(conf, env)
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        deadline = time.monotonic() + 60
        group.wait_http(f"https://127.0.0.1:{https_port}/health/live", deadline=deadline, context=context)
        yield {"http": http_port, "https": https_port, "context": context, "group": group, "conf": conf}
    finally:
        group.stop()


def _https(site) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("127.0.0.1", site["https"], context=site["context"], timeout=30)


def test_the_production_site_passes_nginx_t(site):
    result = nginx_check(site["conf"])
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_plain_http_is_redirected_to_https(site):
    conn = http.client.HTTPConnection("127.0.0.1", site["http"], timeout=30)
    conn.request("GET", "/leistungen/hundesteuer/?ort=14612000")
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://127.0.0.1/leistungen/hundesteuer/?ort=14612000"


def test_tls_is_terminated_and_django_learns_the_request_was_https(site):
    conn = _https(site)
    # A client's own X-Forwarded-Proto is overwritten by nginx, whatever it claims.
    conn.request("GET", "/health/live", headers={"X-Forwarded-Proto": "http"})
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read()) == {"status": "ok"}
    assert conn.sock.version() in {"TLSv1.2", "TLSv1.3"}
    # Django (production settings, SECURE_PROXY_SSL_HEADER) sends HSTS only on requests it sees as secure,
    # and would redirect a plain one to https instead of answering 200.
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert response.getheader("Server") == "nginx"  # no version (server_tokens off)


def _declared_body(site, path: str, size: int):
    """Send only the headers of a request announcing ``size`` bytes: nginx must refuse before the body."""
    conn = _https(site)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    response = conn.getresponse()
    return response, response.read().decode()


def test_the_hub_api_refuses_bodies_over_25_mb_with_the_documented_json(site):
    response, body = _declared_body(site, "/api/v1/hub/antraege/", 25 * MB + 1)
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body) == {"detail": "Die Anfrage ist zu groß (höchstens 25 MB)."}


def test_the_portal_refuses_bodies_over_30_mb_with_a_german_page(site):
    response, body = _declared_body(site, "/antrag/hundesteuer/14612000/", 30 * MB + 1)
    assert response.status == 413
    assert "Die gesendeten Daten sind zu groß" in body and "höchstens 10 MB" in body


def test_static_files_come_from_nginx_with_long_cache_headers(site):
    conn = _https(site)
    conn.request("GET", "/static/css/amtsweg.abc123.css")
    response = conn.getresponse()
    assert response.status == 200
    assert response.read() == b"body { color: #000; }\n"
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.getheader("Content-Type") == "text/css"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    # Served by nginx: the gunicorn access log shows only the health checks.
    assert '"GET /static/' not in site["group"].log_path("web").read_text()
    conn.request("GET", "/static/css/fehlt.css")
    missing = conn.getresponse()
    missing.read()
    assert missing.status == 404


def test_metrics_are_not_served_to_the_public(site):
    conn = _https(site)
    conn.request("GET", "/metrics")
    response = conn.getresponse()
    response.read()
    assert response.status == 404
    assert '"GET /metrics' not in site["group"].log_path("web").read_text()


def test_only_static_files_are_compressed(site):
    conn = _https(site)
    conn.request("GET", "/static/css/amtsweg.abc123.css", headers={"Accept-Encoding": "gzip"})
    static = conn.getresponse()
    static.read()
    assert static.getheader("Content-Encoding") == "gzip"
    # Django's answers stay uncompressed (BREACH: secrets next to attacker-influenced text).
    conn.request("GET", "/health/live", headers={"Accept-Encoding": "gzip"})
    dynamic = conn.getresponse()
    assert json.loads(dynamic.read()) == {"status": "ok"}
    assert dynamic.getheader("Content-Encoding") is None
