"""The Bot Framework adapter: CloudAdapter with ConfigurationBotFrameworkAuthentication.

With no MICROSOFT_APP_ID, authentication is off (as the Bot Framework Emulator expects): anyone
who can reach /api/messages can talk to Parley, so the log says so loudly at start-up.

Connector clients are made without msrest's own retries: the outbox already retries (honouring
Retry-After) without holding a request or a delivery pass for seconds, and a retry hidden inside
the client would make a 5xx look like a slow success.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticateRequestResult, ClaimsIdentity, ConnectorFactory

log = logging.getLogger("parley.teams")

CONNECTOR_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class BotConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""

    @property
    def authentication_off(self) -> bool:
        return not self.APP_ID


class _PlainConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory) -> None:
        self.inner = inner

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:  # type: ignore[assignment]
        client = await self.inner.create(service_url, audience)
        client.config.retry_policy.retries = 0
        client.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
        return client


class ParleyAuthentication(ConfigurationBotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication whose connector clients leave retrying to the outbox."""

    async def authenticate_request(self, activity, auth_header: str) -> AuthenticateRequestResult:  # type: ignore[no-untyped-def]
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _PlainConnectorFactory(result.connector_factory)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _PlainConnectorFactory(super().create_connector_factory(claims_identity))


def make_adapter(config: BotConfig) -> CloudAdapter:
    """The CloudAdapter for this app registration; says loudly when authentication is off."""
    if config.authentication_off:
        log.warning(
            "\n%s\nMICROSOFT_APP_ID is not set: Teams authentication is OFF. Anyone who can reach /api/messages can act as "
            "anyone. This is only for local testing with the Bot Framework Emulator or a mock connector; never run it "
            "like this where Teams can reach it.\n%s",
            "!" * 100,
            "!" * 100,
        )
    return CloudAdapter(ParleyAuthentication(config))
