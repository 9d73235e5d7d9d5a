"""Web Push: the server's VAPID keys, each device's subscription, and sending one notification.

The key pair is made once, on first use, and kept in the database, so every app server signs
with the same key and a browser's subscription stays good across restarts and deploys. A
subscription is the browser's `PushSubscription.toJSON()`; one per device (its endpoint), so
subscribing again updates it. A push service that answers 404 or 410 has forgotten the
subscription, and so do we.

pywebpush (with py-vapid and http_ece) encrypts the payload for the subscription (RFC 8291,
aes128gcm) and signs the VAPID token (RFC 8292); it is imported only when a push is made,
never at start-up.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backstretch.db import push as push_db
from backstretch.services.errors import Invalid

if TYPE_CHECKING:
    from backstretch.db.push import StoredKey, Subscription
    from backstretch.services.context import PersonContext, Services

log = logging.getLogger(__name__)

MAX_ENDPOINT = 1000
MAX_USER_AGENT = 300
SEND_TIMEOUT_SECONDS = 10
GONE = frozenset({404, 410})  # the push service no longer knows the subscription


@dataclass(frozen=True)
class Notice:
    """What a notification says and opens: the JSON the service worker's `push` handler reads."""

    title: str
    body: str
    url: str  # a path on this site, opened ready to start when the notification is tapped
    tag: str  # a newer notice with the same tag replaces an unread one
    ttl_seconds: int  # how long a push service may hold it for a device that is offline
    key: str = ""  # the reminder's delivery key, when it is one

    def payload(self) -> bytes:
        """Return the JSON the browser receives (encrypted on the way)."""
        data = {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag}
        if self.key:
            data["key"] = self.key
        return json.dumps(data, ensure_ascii=False).encode()


class Outcome(StrEnum):
    """What a push service said to one push."""

    SENT = "sent"  # accepted (201)
    GONE = "gone"  # 404 or 410: the subscription is dead and has been forgotten
    FAILED = "failed"  # anything else (refused, unreachable): worth another try later


# The key pair ------------------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _new_key_pair() -> tuple[str, str]:
    """Make a P-256 key pair: the private key as PEM, the public one as the base64url
    uncompressed point browsers take as `applicationServerKey`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return pem, _b64url(public)


def server_key(services: Services) -> StoredKey:
    """Return the deployment's VAPID key pair, made on first use and kept in the database."""
    with services.transaction() as db:
        stored = push_db.load_key(db=db)
        if stored is not None:
            return stored
    pem, public = _new_key_pair()  # outside the transaction: a key takes a moment to make
    with services.transaction() as db:
        return push_db.add_key(db=db, private_pem=pem, public_key=public, at=services.clock())


def application_server_key(services: Services) -> str:
    """Return the public key a browser subscribes with (base64url)."""
    return server_key(services).public_key


# Subscriptions -----------------------------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: Any, *, allow_loopback: bool) -> str:
    """Return a push endpoint the server may send to, or raise `Invalid`.

    Browsers give https addresses of their push service. Anything else (plain http, a private
    or loopback address) would let a subscription point the server at a machine of its own
    network, so it is refused; tests may allow http on this machine (`allow_loopback`).
    """
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise Invalid("endpoint: a push subscription's https address is needed", field="endpoint")
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if allow_loopback and parts.scheme in {"http", "https"} and _loopback(host):
        return endpoint
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise Invalid("endpoint: must be the push service's https address", field="endpoint")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or host.endswith(".localhost") or (address and not address.is_global):
        raise Invalid("endpoint: must be a push service on the internet", field="endpoint")
    return endpoint


def _check_key(value: Any, field: str, size: int) -> str:
    if isinstance(value, str) and len(value) < 200:
        try:
            raw = _unb64url(value)
        except (ValueError, TypeError):
            raw = b""
        if len(raw) == size and (size != 65 or raw[0] == 4):
            return value.rstrip("=")
    raise Invalid(f"keys.{field}: not a browser's subscription key", field=f"keys.{field}")


def subscribe(
    person: PersonContext,
    subscription: Mapping[str, Any],
    *,
    user_agent: str = "",
    login: str | None = None,
) -> tuple[Subscription, bool]:
    """Keep this device's subscription (the browser's `PushSubscription.toJSON()`) for the
    person; return it and whether it is new (the same endpoint again only updates it).

    `login` is the token of the browser's login (None without accounts): logging out of it
    forgets the subscription. Saving again notes the login of the moment, so a subscription
    made under a login that has since expired follows the person's new one.
    """
    settings = person.services.settings
    endpoint = check_endpoint(
        subscription.get("endpoint"), allow_loopback=settings.push_loopback_endpoints
    )
    keys = subscription.get("keys")
    if not isinstance(keys, Mapping):
        raise Invalid("keys: the subscription's p256dh and auth keys are needed", field="keys")
    p256dh = _check_key(keys.get("p256dh"), "p256dh", 65)
    auth = _check_key(keys.get("auth"), "auth", 16)
    login_hash = None
    if login is not None:
        from backstretch.services.accounts import token_hash  # loads argon2: only with accounts

        login_hash = token_hash(login)
    with person.transaction() as db:
        return push_db.save_subscription(
            db=db,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            user_agent=user_agent[:MAX_USER_AGENT],
            at=person.now(),
            login_token_hash=login_hash,
        )


def unsubscribe(person: PersonContext, endpoint: str) -> bool:
    """Forget this person's subscription for one device; tell whether there was one."""
    with person.transaction() as db:
        return push_db.delete_subscription(db=db, endpoint=endpoint)


def devices(person: PersonContext) -> list[Subscription]:
    """Return the person's subscribed devices, oldest first."""
    with person.transaction() as db:
        return push_db.list_subscriptions(db=db)


# Sending -----------------------------------------------------------------------------------------


def _session_without_redirects() -> Any:
    """Return an HTTP session that never follows a redirect: a push service answers, it does
    not send the server on to somewhere else."""
    import requests

    class NoRedirects(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["allow_redirects"] = False
            return super().request(*args, **kwargs)

    return NoRedirects()


class Sender:
    """Sends notices with the deployment's key; one per scheduler tick (it keeps a connection
    pool and the parsed key)."""

    def __init__(self, services: Services, key: StoredKey | None = None) -> None:
        from py_vapid import Vapid  # type: ignore[import-untyped]

        self.services = services
        self.key = key or server_key(services)
        self.vapid = Vapid.from_pem(self.key.private_pem.encode())
        self.http = _session_without_redirects()
        self.contact = services.settings.push_contact
        self.allow_loopback = services.settings.push_loopback_endpoints

    def send(self, subscription: Subscription, notice: Notice) -> Outcome:
        """Push one notice to one device; forget the subscription if the service says it is
        gone."""
        from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]

        try:
            check_endpoint(subscription.endpoint, allow_loopback=self.allow_loopback)
            # The token's expiry is set by pywebpush from the real clock (12 hours ahead):
            # the push service checks it against its own clock, never against ours.
            webpush(
                subscription.info(),
                data=notice.payload().decode(),
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.contact},
                ttl=notice.ttl_seconds,
                timeout=SEND_TIMEOUT_SECONDS,
                headers={"Urgency": "normal", "Topic": notice.tag[:32]},
                requests_session=self.http,
            )
        except WebPushException as error:
            status = error.status_code
            if status in GONE:
                self._forget(subscription)
                return Outcome.GONE
            log.warning("push to %s refused: %s", _host(subscription.endpoint), status)
            return Outcome.FAILED
        except Invalid:
            self._forget(subscription)  # kept when the rules were looser: never sent to now
            return Outcome.GONE
        except OSError as error:  # requests' connection errors are OSErrors
            log.warning("push to %s failed: %s", _host(subscription.endpoint), error)
            return Outcome.FAILED
        return Outcome.SENT

    def _forget(self, subscription: Subscription) -> None:
        with self.services.transaction() as db:
            push_db.drop_subscription(db=db, subscription_id=subscription.id)

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()


def _host(endpoint: str) -> str:
    return urlsplit(endpoint).hostname or "?"


def send_to_person(
    sender: Sender, subscriptions: list[Subscription], notice: Notice
) -> list[Outcome]:
    """Push one notice to each of a person's devices; return what each push service said."""
    return [sender.send(subscription, notice) for subscription in subscriptions]
