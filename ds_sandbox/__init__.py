"""A DS-compatible local GraphQL server (demo, tests, benchmarks).

It speaks the Démarches Simplifiées API v2 protocol for what the pipeline queries:
same schema subset, pagination, cursors, rate limit, error shapes. The default
token is ``sandbox-token`` (DEFAULT_TOKEN): not a secret, it only opens the sandbox.

    sandbox = Sandbox()
    generate(sandbox.state, dossiers=300, seed=1)
    with running_sandbox(sandbox) as url:
        httpx.post(f"{url}/api/v2/graphql", json={...},
                   headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})

Mutations (mutations.py) follow DS's rules: instructeurs INSTRUCTEUR (default groupe of
every démarche) and AUTRE_INSTRUCTEUR (another groupe only), labels LABEL_NAMES, uploads
through ``createDirectUpload`` + ``PUT /_sandbox/uploads/<key>``. ``sandbox.mutations``
(and ``GET /_sandbox/mutations``) records each one with its outcome.

The prefill API (prefill.py) creates brouillons invisible to GraphQL until the usager
submits them: ``state.prefilled_dossiers()``, ``state.prefilled_by_url(link)`` and
``state.submit_prefilled(number, {"commentaire": ...})`` play the usager. A prefill link
(``/commencer/<path>?champ_<id>=<value>…``, commencer.py) needs no API call: the person
who follows it starts a brouillon, ``state.start_from_link(url)`` (``state.read_link(url)``
only reads what it fills). ``Dossier.pdf`` (pdf.py) points at a PDF URL valid one hour by
the state's clock.
"""

from ds_sandbox.demarches import (
    AUTRE_INSTRUCTEUR,
    CANDIDATS,
    DEMARCHES,
    DISPONIBILITES,
    EVALUATIONS,
    INSTRUCTEUR,
    INSTRUCTEURS,
    LABEL_NAMES,
    MISSIONS,
    PROJETS,
    VIVIER,
    DemarcheSpec,
    Descriptor,
    Instructeur,
    demarche_path,
    typed_id,
)
from ds_sandbox.faults import (
    AFTER_APPLY_KINDS,
    FAULT_KINDS,
    Fault,
    FaultKind,
    FaultQueue,
)
from ds_sandbox.generator import generate, split
from ds_sandbox.mutations import READ_ONLY_MESSAGE, MutationEntry, MutationLog
from ds_sandbox.paging import MAX_PAGE_SIZE
from ds_sandbox.pdf import URL_LIFETIME_SECONDS, dossier_pdf
from ds_sandbox.prefill import prefill_url
from ds_sandbox.runner import running_sandbox, serve
from ds_sandbox.sandbox import DEFAULT_TOKEN, Reply, Sandbox, TokenAccess
from ds_sandbox.server import create_app
from ds_sandbox.state import (
    DossierRecord,
    LinkPrefill,
    PrefilledRecord,
    SandboxState,
    UnknownDemarche,
    UnknownDossier,
)
from ds_sandbox.uploads import md5_base64

__all__ = [
    "AFTER_APPLY_KINDS",
    "AUTRE_INSTRUCTEUR",
    "CANDIDATS",
    "DEFAULT_TOKEN",
    "DEMARCHES",
    "DISPONIBILITES",
    "EVALUATIONS",
    "FAULT_KINDS",
    "INSTRUCTEUR",
    "INSTRUCTEURS",
    "LABEL_NAMES",
    "MAX_PAGE_SIZE",
    "MISSIONS",
    "PROJETS",
    "READ_ONLY_MESSAGE",
    "URL_LIFETIME_SECONDS",
    "VIVIER",
    "DemarcheSpec",
    "Descriptor",
    "DossierRecord",
    "Fault",
    "FaultKind",
    "FaultQueue",
    "Instructeur",
    "LinkPrefill",
    "MutationEntry",
    "MutationLog",
    "PrefilledRecord",
    "Reply",
    "Sandbox",
    "SandboxState",
    "TokenAccess",
    "UnknownDemarche",
    "UnknownDossier",
    "create_app",
    "demarche_path",
    "dossier_pdf",
    "generate",
    "md5_base64",
    "prefill_url",
    "running_sandbox",
    "serve",
    "split",
    "typed_id",
]
