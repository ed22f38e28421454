"""Federation clients' sharing scopes, as configuration: which region subtree and which public-plus fields.

A JSON file (``authz/federation.json``, or the file ``YIBAO_FEDERATION_CLIENTS`` names) maps a client id to
``{"region": "<GB/T 2260 code>", "fields": [...], "name": "..."}``. Like the Casbin policy it is read once;
the API looks a client up once per request and the domain turns the region into a SQL filter. Checking the
region code and the field names against the region tree and the redaction policy is the caller's job (this
package imports nothing of ours).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PATH = HERE / "federation.json"


@dataclass(frozen=True, slots=True)
class FederationClient:
    """One configured client: its region subtree's root and the public-plus fields it may see."""

    client_id: str
    region_code: str
    fields: frozenset[str]
    name: str = ""
    # issue 9: "department" (a government department bound by joint measures, named in ``department``) or
    # "bank" (医保e贷: reads a subject's credit summary only with that subject's consent)
    kind: str = "department"
    department: str = ""


def federation_path() -> Path:
    """The configured file: ``YIBAO_FEDERATION_CLIENTS`` or the shipped ``authz/federation.json``."""
    return Path(os.environ.get("YIBAO_FEDERATION_CLIENTS") or DEFAULT_PATH)


def load_federation_clients(path: Path | None = None) -> dict[str, FederationClient]:
    """The clients of the file at ``path`` (default: ``federation_path()``); ``ValueError`` when malformed."""
    source = path or federation_path()
    data = json.loads(source.read_text(encoding="utf-8"))
    clients = data.get("clients") if isinstance(data, dict) else None
    if not isinstance(clients, dict):
        raise ValueError(f"{source}: expected an object with a 'clients' object")
    out: dict[str, FederationClient] = {}
    for client_id, entry in clients.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("region"), str):
            raise ValueError(f"{source}: client {client_id!r} needs a 'region' code")
        fields = entry.get("fields", [])
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise ValueError(f"{source}: client {client_id!r}: 'fields' must be a list of names")
        kind = str(entry.get("kind", "department"))
        if kind not in ("department", "bank"):
            raise ValueError(f"{source}: client {client_id!r}: 'kind' must be 'department' or 'bank'")
        out[client_id] = FederationClient(client_id=client_id, region_code=entry["region"],
                                          fields=frozenset(fields), name=str(entry.get("name", "")),
                                          kind=kind, department=str(entry.get("department", "")))
    return out
