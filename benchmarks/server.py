"""Set up a database with an open inspection, and run gunicorn on it with the repo config."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark passphrase, not for real use"  # noqa: S105 - synthetic data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, instance: Path, port: int) -> dict:
    """Production-mode settings: laptop mode on SQLite, HTTPS-style settings on PostgreSQL."""
    env = dict(os.environ)
    env.update(
        SURVEY_ENV="production",
        SURVEY_SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        SURVEY_BIND=f"127.0.0.1:{port}",
        PYTHONPATH=str(ROOT),
    )
    if database_url.startswith("sqlite"):
        env.update(SURVEY_INSECURE_HTTP="1", SURVEY_PUBLIC_URL=f"http://127.0.0.1:{port}")
    else:
        env.update(
            SURVEY_PUBLIC_URL="https://survey.example.org",
            REDIS_URL=env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        )
        env.pop("SURVEY_INSECURE_HTTP", None)
    return env


def prepare(env: dict, kiosks: int, staff_codes: int = 0) -> tuple[str, list[str], list[str]]:
    """Migrate, create an establishment and an inspection with kiosk invitations and staff
    codes; returns (inspection id, invitations, codes)."""
    code = f"""
import json
from flask_migrate import upgrade
from wsgi import app
from survey_app import access, inspections
from survey_app.models import Establishment, db
with app.app_context():
    upgrade(revision="heads")
    place = Establishment(name="Benchmark STC", type="stc")
    db.session.add(place)
    inspection = inspections.create_inspection(place, "full", {PASSPHRASE!r}, [])
    db.session.commit()
    tokens = [access.create_kiosk_invitation(inspection) for _ in range({kiosks})]
    codes = access.create_staff_codes(inspection, {staff_codes}) if {staff_codes} else []
    print(json.dumps({{"inspection": inspection.id, "tokens": tokens, "codes": codes}}))
"""
    import json

    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"setting up the benchmark database failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["inspection"], result["tokens"], result["codes"]


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made for one test run."""

    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts exactly this certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_certificate(folder: Path) -> Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return Certificate(cert_path, key_path)


def serve_tls(env: dict, certificate: Certificate) -> dict:
    """The same settings, with gunicorn serving HTTPS itself (the laptop mode with TLS)."""
    port = env["SURVEY_BIND"].rsplit(":", 1)[1]
    env = dict(env, SURVEY_CERTFILE=str(certificate.cert), SURVEY_KEYFILE=str(certificate.key))
    env.pop("SURVEY_INSECURE_HTTP", None)
    env["SURVEY_PUBLIC_URL"] = f"https://127.0.0.1:{port}"
    return env


@contextlib.contextmanager
def gunicorn(
    env: dict, app: str = "wsgi:app", log_dir: Path | None = None, workers: int | None = None
):
    """Run gunicorn (repo config) in its own process group until the block ends.

    ``workers`` overrides ``SURVEY_WORKERS``; by default the config decides.
    """
    env = dict(env)
    if workers is not None:
        env["SURVEY_WORKERS"] = str(workers)
    if log_dir is not None:
        env.update(
            SURVEY_ACCESS_LOG=str(log_dir / "access.log"),
            SURVEY_ERROR_LOG=str(log_dir / "error.log"),
        )
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        cafile = env.get("SURVEY_CERTFILE")
        wait_until_healthy(env["SURVEY_BIND"], process, cafile=cafile)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_healthy(
    bind: str, process: subprocess.Popen, seconds: float = 30, cafile: str | None = None
) -> None:
    scheme = "https" if cafile else "http"
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own server on 127.0.0.1
                f"{scheme}://{bind}/health", timeout=2, context=context
            ) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on {bind} did not become healthy in time")


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

NGINX_CONFIG = """
worker_processes 1;
error_log {folder}/error.log warn;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream survey {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://survey;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            # A submission is safe to send to the other server: its ballot makes it count once.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_connect_timeout 2s;
            # The evidence page streams (a line every 2 s), but a download is one file, made
            # before its first byte: allow the longest one (docs/deployment.md, "Long work").
            proxy_read_timeout {read_timeout};
        }}
    }}
}}
"""


@contextlib.contextmanager
def nginx(
    upstreams: list[str],
    certificate: Certificate,
    folder: Path,
    port: int,
    read_timeout: str = "300s",
):
    """A TLS-terminating nginx on 127.0.0.1:``port`` in front of ``upstreams`` (host:port);
    ``read_timeout`` is its ``proxy_read_timeout`` (the longest silence it waits through)."""
    folder.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(
        f"        server {upstream} max_fails=1 fail_timeout=5s;" for upstream in upstreams
    )
    config = folder / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(
            folder=folder,
            servers=servers,
            port=port,
            cert=certificate.cert,
            key=certificate.key,
            read_timeout=read_timeout,
        )
    )
    process = subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(folder), "-c", str(config), "-g", "daemon off; user root;"],
        start_new_session=True,
    )
    try:
        wait_until_healthy(f"127.0.0.1:{port}", process, cafile=str(certificate.cert))
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
