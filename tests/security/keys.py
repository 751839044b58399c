"""A local stand-in for the Bot Framework's OpenID metadata and signing keys, and tokens signed with them.

`KeyServer` serves GET /<its own path>/v1/.well-known/openidconfiguration (naming its jwks_uri) and GET /keys on
127.0.0.1 (a free port), as login.botframework.com does; the key carries `endorsements`, the
channels it may sign for, as Microsoft's keys do. `token(...)` signs a real RS256 JWT with the
claims the Bot Framework Service puts in the token it sends with each activity.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://api.botframework.com"
APP_ID = "00000000-1111-2222-3333-444444444444"
KEY_ID = "parley-test-key"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class KeyServer:
    def __init__(self, *, endorsements: tuple[str, ...] = ("msteams", "webchat", "directline", "emulator", "slack")) -> None:
        self.key = new_key()
        self.endorsements = list(endorsements)
        self.fetches = 0
        self._server: TestServer | None = None
        # The Bot Framework SDK caches what a metadata URL said for the whole process, and a later
        # test's server may get the same port: a path of its own keeps each server's URL new.
        self._path = f"/{uuid.uuid4().hex}/v1/.well-known/openidconfiguration"

    @property
    def metadata_url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url(self._path))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(self._path, self._metadata)
        app.router.add_get("/keys", self._keys)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _metadata(self, _: web.Request) -> web.Response:
        assert self._server is not None
        return web.json_response({"issuer": ISSUER, "jwks_uri": str(self._server.make_url("/keys")), "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, _: web.Request) -> web.Response:
        self.fetches += 1
        numbers = self.key.public_key().public_numbers()
        jwk = {"kty": "RSA", "use": "sig", "kid": KEY_ID, "n": _b64(numbers.n), "e": _b64(numbers.e), "endorsements": self.endorsements}
        return web.json_response({"keys": [jwk]})

    def token(
        self,
        service_url: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KEY_ID,
        issuer: str = ISSUER,
        audience: str = APP_ID,
        expires_in: int = 3600,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "exp": now + expires_in, **claims}
        return jwt.encode(payload, key or self.key, algorithm=algorithm, headers={"kid": kid})


def unsigned_token(service_url: str) -> str:
    """A token with `alg: none` (no signature), which a careless validator would accept."""
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "exp": now + 3600}, None, algorithm="none", headers={"kid": KEY_ID})
