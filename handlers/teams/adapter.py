"""The Bot Framework adapter: CloudAdapter with ConfigurationBotFrameworkAuthentication.

Authentication is off only when asked for by name (PARLEY_TEAMS_INSECURE_NO_AUTH, local testing
with the Bot Framework Emulator or a mock connector); the log then says so loudly at start-up.

With it on, only a token the Bot Framework Service itself issued (issuer api.botframework.com,
audience this app, signed by a key from its OpenID metadata) is accepted; Emulator and skill
tokens are refused before any key is fetched. Every way a token can be wrong is a
PermissionError (401), never an error from deep inside the SDK (500). The SDK fetches the signing
keys with blocking `requests` calls, so authentication runs in a worker thread with a time limit:
a slow key server holds up one request, never the event loop.

The configuration is always the SDK's parameterised one with the public cloud's values, so tests
and production take the same path; only the metadata URL differs (tests serve their own keys).

Connector clients are made without msrest's own retries: the outbox already retries (honouring
Retry-After) without holding a request or a delivery pass for seconds, and a retry hidden inside
the client would make a 5xx look like a slow success.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import ClassVar

import jwt
import requests
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import CallerIdConstants
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
)

log = logging.getLogger("parley.teams")

CONNECTOR_TIMEOUT_SECONDS = 10
AUTHENTICATION_TIMEOUT_SECONDS = 15  # fetching the signing keys, when they are due a refresh
CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER  # https://api.botframework.com
PUBLIC_OPENID_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL


class KeysUnavailable(Exception):
    """The Bot Framework's signing keys could not be fetched: nobody can be authenticated just now (503)."""


@dataclass(frozen=True)
class BotConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads, and Parley's own two."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""
    INSECURE_NO_AUTH: bool = False  # only with no APP_ID: accept unauthenticated activities (local testing)
    OPENID_METADATA_URL: str = PUBLIC_OPENID_METADATA_URL  # where the channel's signing keys are published

    @property
    def authentication_off(self) -> bool:
        return not self.APP_ID

    # The SDK's parameterised configuration, with the public cloud's values (see the module's docstring).
    @property
    def TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL(self) -> str:
        return self.OPENID_METADATA_URL

    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: ClassVar[str] = CHANNEL_TOKEN_ISSUER
    TO_CHANNEL_FROM_BOT_LOGIN_URL: ClassVar[str] = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: ClassVar[str] = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    OAUTH_URL: ClassVar[str] = AuthenticationConstants.OAUTH_URL
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: ClassVar[str] = AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    CALLER_ID: ClassVar[str] = CallerIdConstants.public_azure_channel


class _PlainConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory) -> None:
        self.inner = inner

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:  # type: ignore[assignment]
        client = await self.inner.create(service_url, audience)
        client.config.retry_policy.retries = 0
        client.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
        return client


class ParleyAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's authentication, strict about tokens and leaving retries to the outbox (see the module's docstring)."""

    def __init__(self, config: BotConfig, *, credentials_factory: ServiceClientCredentialsFactory | None = None) -> None:
        super().__init__(config, credentials_factory=credentials_factory)
        self.config = config

    async def authenticate_request(self, activity, auth_header: str) -> AuthenticateRequestResult:  # type: ignore[no-untyped-def]
        if self.config.authentication_off:
            result = await super().authenticate_request(activity, None)  # type: ignore[arg-type]
        else:
            result = await self._authenticated(activity, auth_header or "")
        if result.connector_factory is not None:
            result.connector_factory = _PlainConnectorFactory(result.connector_factory)
        return result

    async def _authenticated(self, activity, auth_header: str) -> AuthenticateRequestResult:  # type: ignore[no-untyped-def]
        scheme, _, token = auth_header.partition(" ")
        if scheme != "Bearer" or not token:
            raise PermissionError("no Bearer token")
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise PermissionError(f"the token is not a JWT ({type(exc).__name__})") from None
        if issuer != CHANNEL_TOKEN_ISSUER:
            raise PermissionError(f"the token's issuer is {str(issuer)[:80]!r}, not the Bot Framework Service")

        def check() -> AuthenticateRequestResult:
            return asyncio.run(ConfigurationBotFrameworkAuthentication.authenticate_request(self, activity, auth_header))

        try:
            return await asyncio.wait_for(asyncio.to_thread(check), AUTHENTICATION_TIMEOUT_SECONDS)
        except PermissionError:
            raise
        except (TimeoutError, requests.RequestException) as exc:
            raise KeysUnavailable(f"the Bot Framework's signing keys could not be fetched ({type(exc).__name__})") from None
        except IndexError:  # the SDK's key lookup, for a key id its metadata doesn't list
            raise PermissionError("the token's key id is not one of the Bot Framework's signing keys") from None
        except Exception as exc:  # noqa: BLE001 - bad signature, expired, alg none...: all "not authenticated"
            raise PermissionError(f"the token is not valid ({type(exc).__name__}: {str(exc)[:120]})") from None

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _PlainConnectorFactory(super().create_connector_factory(claims_identity))


def make_adapter(config: BotConfig, *, credentials_factory: ServiceClientCredentialsFactory | None = None) -> CloudAdapter:
    """The CloudAdapter for this app registration; says loudly when authentication is off.

    `credentials_factory` replaces how Parley gets its own outgoing token (tests, whose connector is
    local); how incoming tokens are checked does not change with it.
    """
    if config.authentication_off:
        if not config.INSECURE_NO_AUTH:
            raise ValueError("Teams authentication can be off only when asked for by name (PARLEY_TEAMS_INSECURE_NO_AUTH)")
        log.warning(
            "\n%s\nPARLEY_TEAMS_INSECURE_NO_AUTH is set: Teams authentication is OFF. Anyone who can reach /api/messages can act as "
            "anyone. This is only for local testing with the Bot Framework Emulator or a mock connector; never run it "
            "like this where Teams can reach it.\n%s",
            "!" * 100,
            "!" * 100,
        )
    return CloudAdapter(ParleyAuthentication(config, credentials_factory=credentials_factory))
