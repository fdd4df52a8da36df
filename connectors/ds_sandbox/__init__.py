"""A DS-compatible local GraphQL server (demo, tests, benchmarks).

It speaks the Démarches Simplifiées API v2 protocol for what the pipeline queries:
same schema subset, pagination, cursors, rate limit, error shapes. The default
token is ``sandbox-token`` (DEFAULT_TOKEN): not a secret, it only opens the sandbox.

    sandbox = Sandbox()
    generate(sandbox.state, dossiers=300, seed=1)
    with running_sandbox(sandbox) as url:
        httpx.post(f"{url}/api/v2/graphql", json={...},
                   headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
"""

from connectors.ds_sandbox.demarches import (
    CANDIDATS,
    DEMARCHES,
    EVALUATIONS,
    PROJETS,
    DemarcheSpec,
    Descriptor,
    typed_id,
)
from connectors.ds_sandbox.faults import FAULT_KINDS, Fault, FaultKind, FaultQueue
from connectors.ds_sandbox.generator import generate, split
from connectors.ds_sandbox.paging import MAX_PAGE_SIZE
from connectors.ds_sandbox.runner import running_sandbox, serve
from connectors.ds_sandbox.sandbox import DEFAULT_TOKEN, Reply, Sandbox, TokenAccess
from connectors.ds_sandbox.server import create_app
from connectors.ds_sandbox.state import (
    DossierRecord,
    SandboxState,
    UnknownDemarche,
    UnknownDossier,
)

__all__ = [
    "CANDIDATS",
    "DEFAULT_TOKEN",
    "DEMARCHES",
    "EVALUATIONS",
    "FAULT_KINDS",
    "MAX_PAGE_SIZE",
    "PROJETS",
    "DemarcheSpec",
    "Descriptor",
    "DossierRecord",
    "Fault",
    "FaultKind",
    "FaultQueue",
    "Reply",
    "Sandbox",
    "SandboxState",
    "TokenAccess",
    "UnknownDemarche",
    "UnknownDossier",
    "create_app",
    "generate",
    "running_sandbox",
    "serve",
    "split",
    "typed_id",
]
