"""Transport safety: plain http only to loopback unless allowed; TLS verified; a CA bundle reaches clients."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from roadsync.sandbox.common import Stats
from roadsync.sandbox.jira import JiraStore, create_jira_app
from tests.reliability.harness import run_cli, small_fixture

TOKEN = "jira-tls-token-5f1c0a9e"
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def _config(folder: Path, url: str, run: str = "") -> Path:
    path = folder / "roadsync.toml"
    path.write_text(
        '[[themes]]\nid = "a"\nname = "A"\npriority = "P0"\n\n'
        f'[jira]\nurl = "{url}"\nflavor = "cloud"\nemail = "bot@example.com"\n'
        f'token_env = "RS_TLS_TOKEN"\nprojects = ["PAY"]\n\n[run]\n{run}\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("url", ["http://jira.example.com", "http://10.0.0.5:8080"])
def test_plain_http_to_a_remote_host_is_refused_unless_allowed(url: str, tmp_path: Path) -> None:
    """validate exits 78 naming https for a non-loopback http:// URL, and 0 with allow_insecure_http."""
    code, _, err = run_cli(_config(tmp_path, url), "validate", env={}, fmt="table")
    assert code == 78 and "https" in err and "Traceback" not in err
    allowed = _config(tmp_path, url, "allow_insecure_http = true")
    code, _, err = run_cli(allowed, "validate", env={}, fmt="table")
    assert code == 0, err


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "roadsync test CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return cert_path, key_path


@pytest.fixture
def https_jira(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The Jira emulator over HTTPS on 127.0.0.1 with a self-signed certificate."""
    cert, key = _self_signed(tmp_path)
    store = JiraStore.from_fixture(small_fixture()["jira"], flavor="cloud")
    app = create_jira_app(store, stats=Stats(), email="bot@example.com", token=TOKEN, flavor="cloud")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="critical", lifespan="off",
                            ssl_certfile=str(cert), ssl_keyfile=str(key))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"https://127.0.0.1:{sock.getsockname()[1]}", cert
    server.should_exit = True
    thread.join(timeout=5)


def test_tls_is_verified_and_a_ca_bundle_reaches_the_clients(
    https_jira: tuple[str, Path], tmp_path: Path
) -> None:
    """A self-signed tracker fails with one TLS line without run.ca_bundle, and pulls with it."""
    url, cert = https_jira
    env = {"RS_TLS_TOKEN": TOKEN}
    code, _, err = run_cli(_config(tmp_path, url), "pull", env=env, fmt="table")
    assert code != 0 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("roadsync:")]
    assert lines and any(word in err.lower() for word in ("certificate", "tls", "ssl")), err
    code, _, err = run_cli(_config(tmp_path, url, f'ca_bundle = "{cert}"'), "pull", env=env, fmt="json")
    assert code == 0, err
