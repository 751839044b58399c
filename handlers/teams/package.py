"""`python app.py teams package`: the Teams app package, a zip of manifest.json and its two icons.

The manifest in teams/ carries `{{MICROSOFT_APP_ID}}` where the bot's app id goes; it is filled in
here from MICROSOFT_APP_ID, and the result checked against what Teams refuses on upload.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

PLACEHOLDER = "{{MICROSOFT_APP_ID}}"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ICONS = {"color": (192, 192), "outline": (32, 32)}
COMMANDS = ("disagree", "list", "help")


class PackageError(Exception):
    """The package can't be built; the message says why."""


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file, from its IHDR chunk."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise PackageError(f"{path.name} is not a PNG file")
    return struct.unpack(">II", head[16:24])


def manifest_for(source: Path, app_id: str) -> dict[str, Any]:
    """The manifest with the app id filled in; PackageError if it or the id is not what Teams accepts."""
    if not _GUID.match(app_id or ""):
        raise PackageError(
            "MICROSOFT_APP_ID must be the Azure Bot's app registration id (a GUID such as 00000000-0000-0000-0000-000000000000). "
            "Set it, or pass it in the environment, then build the package again."
        )
    text = (source / "manifest.json").read_text(encoding="utf-8").replace(PLACEHOLDER, app_id)
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise PackageError(f"teams/manifest.json is not valid JSON: {exc}") from None
    problems = []
    for kind, size in ICONS.items():
        name = (manifest.get("icons") or {}).get(kind)
        if not name or not (source / name).is_file():
            problems.append(f"the {kind} icon ({name}) is missing")
        elif png_size(source / name) != size:
            problems.append(f"the {kind} icon must be {size[0]}x{size[1]} pixels")
    bots = manifest.get("bots") or []
    if not bots or bots[0].get("botId") != app_id:
        problems.append("the manifest has no bot with this app id")
    else:
        listed = {c.get("title") for group in bots[0].get("commandLists") or [] for c in group.get("commands") or []}
        missing = [c for c in COMMANDS if c not in listed]
        if missing:
            problems.append(f"the bot's commands lack {', '.join(missing)}")
        scopes = set(bots[0].get("scopes") or [])
        if not {"personal", "team", "groupChat"} <= scopes:
            problems.append("the bot must have the personal, team and groupChat scopes")
    if problems:
        raise PackageError("; ".join(problems))
    return manifest


def build_package(source: Path, *, app_id: str | None, out: Path | None = None) -> Path:
    """Write the zip (manifest.json and the icons at its root, as Teams expects) and return its path."""
    manifest = manifest_for(source, app_id or "")
    out = out or source / "parley-teams.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for kind in ICONS:
            name = manifest["icons"][kind]
            zf.write(source / name, arcname=name)
    return out
