"""A push service on this machine, and browsers' subscriptions to it, for tests with no internet.

`PushEndpoint` is a small HTTP server in the test's own process (127.0.0.1, a free port) that
takes Web Push requests as a push service would: it keeps each one and answers 201, or what the
test told it to answer for a device (410 for a device that unsubscribed). `Device` is one
browser's subscription: a P-256 key pair and an auth secret made here, so the test can decrypt
what the server sent (RFC 8291, aes128gcm) exactly as the browser would, and check the VAPID
token (RFC 8292) against the server's public key. Also used by benchmarks/push_delivery.py.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Received:
    """One push request as the push service got it."""

    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


class PushEndpoint:
    """A push service on 127.0.0.1 that keeps every push it is sent."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, int] = {}  # path -> status to answer (default 201)
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with endpoint._lock:
                    endpoint.received.append(Received(self.path, headers, body))
                    status = endpoint.answers.get(self.path, 201)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def to(self, device: Device) -> list[Received]:
        """Return the pushes sent to one device, in order."""
        with self._lock:
            return [r for r in self.received if r.path == device.path]

    def device(self, name: str) -> Device:
        """Return a new browser subscription whose endpoint is on this service."""
        return Device.make(f"{self.url}/push/{name}")


@dataclass
class Device:
    """One browser's push subscription: its endpoint and the keys only the browser holds."""

    endpoint: str
    private_key: Any  # cryptography's EllipticCurvePrivateKey
    auth: bytes
    shown: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def make(cls, endpoint: str) -> Device:
        from cryptography.hazmat.primitives.asymmetric import ec

        return cls(endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def path(self) -> str:
        return urlsplit(self.endpoint).path

    @property
    def origin(self) -> str:
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}"

    def subscription(self) -> dict[str, Any]:
        """Return what the browser's `PushSubscription.toJSON()` gives."""
        from cryptography.hazmat.primitives import serialization

        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def read(self, push: Received) -> dict[str, Any]:
        """Decrypt a push with this device's keys, as the browser does; return its JSON."""
        import http_ece  # type: ignore[import-untyped]

        assert push.headers.get("content-encoding") == "aes128gcm", push.headers
        plain = http_ece.decrypt(
            push.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        data: dict[str, Any] = json.loads(plain)
        return data


def vapid_claims(push: Received, public_key: str) -> dict[str, Any]:
    """Check the push's VAPID token was signed by `public_key` (the server's, base64url);
    return its claims. Raises AssertionError or cryptography's InvalidSignature otherwise."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    scheme, _, rest = push.headers["authorization"].partition(" ")
    assert scheme == "vapid", push.headers["authorization"]
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert parts["k"] == public_key, "the token names another key than the server's"
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64, "ES256 signatures are r and s, 32 bytes each"
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    decoded: dict[str, Any] = json.loads(unb64url(claims))
    return decoded
