"""Teams' settings, checked: what is wrong in plain words, and the `TeamsSite` the front end is built from.

Nothing here keeps state or touches the network; handlers.composition builds the front end from
the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.frontends import ConfigError
from handlers.teams.adapter import PUBLIC_OPENID_METADATA_URL, BotConfig
from handlers.teams.gate import ServiceUrls
from handlers.teams.sender import DEFAULT_SERVICE_URL

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class TeamsConfigError(ConfigError):
    """Teams is set up wrongly; the message says what to change. Raised before the server starts."""


INSECURE_SETTING = "PARLEY_TEAMS_INSECURE_NO_AUTH"


def check_settings(
    *,
    app_id: str | None,
    app_password: str | None,
    app_type: str,
    app_tenant_id: str | None,
    channel: str | None,
    thread_tenant: str | None,
    insecure_no_auth: bool = False,
    service_hosts: str | None = None,
    service_url: str | None = None,
) -> list[str]:
    """Every problem with the Teams settings that can be seen without the network."""
    problems: list[str] = []
    if not app_id and not app_password and not insecure_no_auth:
        problems.append(
            "MICROSOFT_APP_ID is not set: Parley needs the Azure Bot's app id (and MICROSOFT_APP_PASSWORD) to check that each "
            f"activity really comes from Teams. Only for local testing with the Emulator or a mock connector, set {INSECURE_SETTING}=true "
            "to run with Teams authentication off."
        )
    if insecure_no_auth and app_id:
        problems.append(f"{INSECURE_SETTING} is set, and so is MICROSOFT_APP_ID: remove {INSECURE_SETTING} so that Teams activities are authenticated.")
    problems += _service_problems(service_hosts, service_url)
    kind = next((t for t in APP_TYPES if t.lower() == (app_type or "").lower()), None)
    if kind is None:
        problems.append(f"MICROSOFT_APP_TYPE is '{app_type}': it must be MultiTenant, SingleTenant or UserAssignedMSI (as in the Azure Bot resource).")
    if app_id:
        if kind != "UserAssignedMSI" and not app_password:
            problems.append("MICROSOFT_APP_PASSWORD is not set: create a client secret for the app registration and copy its value.")
        if kind in ("SingleTenant", "UserAssignedMSI") and not app_tenant_id:
            problems.append(f"MICROSOFT_APP_TENANT_ID is not set: a {kind} bot needs the tenant id of its app registration.")
    elif app_password:
        problems.append("MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is not: set the app registration's Application (client) ID too.")
    if channel and not thread_tenant:
        problems.append(
            "PARLEY_TEAMS_CHANNEL is set but Parley doesn't know its tenant: set PARLEY_TEAMS_TENANT_ID "
            "(or MICROSOFT_APP_TENANT_ID) to the tenant id of the team that holds the channel."
        )
    if channel and not channel.startswith("19:"):
        problems.append(
            f"PARLEY_TEAMS_CHANNEL is '{channel}': it must be the channel's conversation id, starting 19: "
            "(in Teams: the channel's ... menu > Get link to channel; the id is the part after /channel/, URL-decoded)."
        )
    return problems


def _service_problems(service_hosts: str | None, service_url: str | None) -> list[str]:
    try:
        allowed = ServiceUrls.parse(service_hosts)
    except ValueError as exc:
        return [f"PARLEY_TEAMS_SERVICE_HOSTS is wrong: {exc}. Leave it unset for Microsoft's Teams service hosts."]
    if service_url and not allowed.allows(service_url):
        return [f"PARLEY_TEAMS_SERVICE_URL is '{service_url}', which is not on the Teams service hosts Parley accepts ({allowed})."]
    return []


@dataclass(frozen=True)
class TeamsSite:
    """Everything the Teams front end is built from."""

    config: BotConfig
    channel: str | None  # the conversation id (19:...) of the channel for dispute threads, if any
    tenant: str | None  # that channel's tenant
    service_url: str = DEFAULT_SERVICE_URL  # until Teams tells Parley its region
    service_urls: ServiceUrls = field(default_factory=ServiceUrls.microsoft)  # where Teams' connector may be
    credentials_factory: Any = None  # how Parley gets its outgoing token (tests: a local one; see make_adapter)


def site_from_settings(
    *,
    app_id: str | None,
    app_password: str | None,
    app_type: str,
    app_tenant_id: str | None,
    channel: str | None,
    thread_tenant: str | None,
    service_url: str,
    insecure_no_auth: bool = False,
    service_hosts: str | None = None,
    openid_metadata_url: str | None = None,
) -> TeamsSite:
    """Check the settings; TeamsConfigError lists, in plain words, everything to fix."""
    tenant = thread_tenant or app_tenant_id
    problems = check_settings(
        app_id=app_id,
        app_password=app_password,
        app_type=app_type,
        app_tenant_id=app_tenant_id,
        channel=channel,
        thread_tenant=tenant,
        insecure_no_auth=insecure_no_auth,
        service_hosts=service_hosts,
        service_url=service_url,
    )
    if problems:
        raise TeamsConfigError("Teams is not set up right:\n" + "\n".join(f"  - {p}" for p in problems))
    kind = next(t for t in APP_TYPES if t.lower() == app_type.lower())
    config = BotConfig(
        APP_ID=app_id or "",
        APP_PASSWORD=app_password or "",
        APP_TYPE=kind if app_id else "MultiTenant",
        APP_TENANTID=app_tenant_id or "",
        INSECURE_NO_AUTH=insecure_no_auth and not app_id,
        OPENID_METADATA_URL=openid_metadata_url or PUBLIC_OPENID_METADATA_URL,
    )
    return TeamsSite(config=config, channel=channel, tenant=tenant, service_url=service_url, service_urls=ServiceUrls.parse(service_hosts))
