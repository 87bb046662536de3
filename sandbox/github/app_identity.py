"""The sandbox's GitHub App: its identity, installation and RSA key pair.

The key pair is made once per process (RSA 2048, what GitHub issues [docs: "Managing private keys
for GitHub Apps"]); the private key is handed out through ``roadsync sandbox --json`` and
:attr:`~roadsync.sandbox.server.Sandbox.app_private_key`, the public one verifies JWTs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from roadsync.sandbox.github.model import App

__all__ = ["DEFAULT_PERMISSIONS", "app_keypair", "new_app"]

DEFAULT_PERMISSIONS = {"issues": "write", "metadata": "read", "organization_projects": "write"}


@cache
def app_keypair() -> tuple[str, str]:
    """(private key PEM, public key PEM): one RSA 2048 key per process, made on first use."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def new_app(fixture: dict[str, Any] | None = None) -> App:
    """The sandbox's App (fixture keys: ``id``, ``slug``, ``name``, ``client_id``, ``installation_id``,
    ``permissions``, ``token_ttl_s``), verified with :func:`app_keypair`'s public key."""
    fx = fixture or {}
    app_id = int(fx.get("id", 1_000_001))
    return App(app_id, fx.get("slug", "roadsync-sandbox"), fx.get("name", "roadsync sandbox"),
               fx.get("client_id", f"Iv23li{app_id:014d}"), int(fx.get("installation_id", 50_000_001)),
               app_keypair()[1], dict(fx.get("permissions", DEFAULT_PERMISSIONS)),
               int(fx.get("token_ttl_s", 3600)))
