"""nginx configuration for the tests and benchmarks, rendered from deploy/nginx/ (this module holds no tests).

``render_test_site``: a complete nginx.conf for an unprivileged nginx in a temp prefix (pid, logs, temp dirs
inside it, ``daemon off``) that includes the production snippet ``deploy/nginx/amtsweg-app.conf`` itself (only
the STATIC_ROOT path replaced) and the ``upstream amtsweg_web`` block of ``deploy/nginx/amtsweg.conf`` with the
backend addresses replaced, in a plain-HTTP server on loopback. ``render_production_site``: the whole
``amtsweg.conf`` with TLS, where only the lines an operator adapts are replaced (each must match).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEPLOY_NGINX = ROOT / "deploy" / "nginx"
STATIC_PLACEHOLDER = "/srv/amtsweg/var/static/"


def nginx_path() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def upstream_block(*, backends: list[str]) -> str:
    """The ``upstream amtsweg_web`` block of deploy/nginx/amtsweg.conf with ``backends`` as its servers."""
    text = (DEPLOY_NGINX / "amtsweg.conf").read_text(encoding="utf-8")
    match = re.search(r"^upstream amtsweg_web \{\n(.*?)^\}\n", text, flags=re.M | re.S)
    if match is None:
        raise ValueError("deploy/nginx/amtsweg.conf has no 'upstream amtsweg_web { … }' block")
    body = [line for line in match.group(1).splitlines() if not line.strip().startswith("server ")]
    servers = [f"    server {address} max_fails=3 fail_timeout=10s;" for address in backends]
    return "upstream amtsweg_web {\n" + "\n".join(servers + body) + "\n}\n"


def app_snippet(*, static_root: Path) -> str:
    """deploy/nginx/amtsweg-app.conf with the STATIC_ROOT placeholder replaced."""
    text = (DEPLOY_NGINX / "amtsweg-app.conf").read_text(encoding="utf-8")
    if text.count(STATIC_PLACEHOLDER) != 1:
        raise ValueError(f"deploy/nginx/amtsweg-app.conf must name {STATIC_PLACEHOLDER} exactly once")
    return text.replace(STATIC_PLACEHOLDER, f"{static_root.as_posix().rstrip('/')}/")


def main_conf(*, prefix: Path, http_body: str) -> str:
    """A complete nginx.conf for an unprivileged nginx in ``prefix`` (pid, logs, temp dirs inside it)."""
    # Only a master running as root switches users; then stay the current user (it owns the prefix).
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};\n" if os.geteuid() == 0 else ""
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {kind}_temp_path {prefix / 'tmp' / kind};" for kind in kinds)
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log {prefix / "access.log"};
{temp}
{http_body}
}}
"""


def render_test_site(*, prefix: Path, port: int, backends: list[str], static_root: Path) -> Path:
    """nginx.conf for the loopback stack: the deployed upstream and app snippet, plain HTTP on ``port``."""
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    snippet = prefix / "amtsweg-app.conf"
    snippet.write_text(app_snippet(static_root=static_root), encoding="utf-8")
    body = (
        upstream_block(backends=backends)
        + f"""server {{
    listen 127.0.0.1:{port};
    server_name localhost 127.0.0.1;
    server_tokens off;
    include {snippet};
}}
"""
    )
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix=prefix, http_body=body), encoding="utf-8")
    return conf


def render_production_site(
    *, prefix: Path, cert: Path, key: Path, http_port: int, https_port: int, backends: list[str]
) -> Path:
    """deploy/nginx/amtsweg.conf as deployed (TLS, redirect) on loopback ports, with a test certificate and
    ``backends``: only the lines an operator adapts are replaced, and each replacement must match."""
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    snippet = prefix / "amtsweg-app.conf"
    snippet.write_text(app_snippet(static_root=prefix / "static"), encoding="utf-8")
    text = (DEPLOY_NGINX / "amtsweg.conf").read_text(encoding="utf-8")
    upstream = upstream_block(backends=backends)
    text = re.sub(r"^upstream amtsweg_web \{\n.*?^\}\n", lambda _match: upstream, text, flags=re.M | re.S)
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/ssl/amtsweg/fullchain.pem": str(cert),
        "/etc/ssl/amtsweg/privkey.pem": str(key),
        "/etc/nginx/snippets/amtsweg-app.conf": str(snippet),
        "root /var/www/acme;": f"root {prefix / 'acme'};",
    }
    for old, new in replacements.items():
        if old not in text:
            raise ValueError(f"deploy/nginx/amtsweg.conf: {old!r} not found")
        text = text.replace(old, new)
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix=prefix, http_body=text), encoding="utf-8")
    return conf


def nginx_check(conf: Path) -> subprocess.CompletedProcess:
    """``nginx -t`` on ``conf`` (as the current user, logs in the conf's directory)."""
    prefix = conf.parent
    return subprocess.run(
        [nginx_path() or "nginx", "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
