"""Démarches Simplifiées GraphQL client: documents, rate limit, retries, typed errors, pages,
and the mutations (with the reads that make their delivery idempotent).

    with DSClient(api_url, token) as ds:
        page = fetch_sync_page(ds, 123, dossiers=StreamPosition(True, since), ...)

        me = find_instructeur(ds, 123, "instruction@eig.example")
        snapshot = fetch_dossier_snapshot(ds, 4567)
        me.check_can_instruct(snapshot)
        if snapshot.state == "en_instruction":
            accept(ds, snapshot.id, me.id, motivation="Projet retenu")
        pdf = fetch_dossier_pdf(ds, 4567)  # None: DS offers none; DSFileError: ask again

    # a prefilled form for an email: a link, no API call, no limit
    link = prefill_link(prefill_base_url(api_url), "grille-eig", {"Q2hhbXAtMzAwMQ==": 4567})

    # a dossier that must exist before the person comes: the prefill API (15 per 15 s per IP)
    with PrefillClient(prefill_base_url(api_url)) as prefill:
        dossier = prefill.create(103, {"Q2hhbXAtMzAwMQ==": 4567})  # .url, .number, .id
"""

from ._annotations import (
    ANNOTATION_KINDS,
    AnnotationKind,
    AnnotationsResult,
    AnnotationValue,
    FailedAnnotation,
    UpdatedAnnotation,
    modify_annotations,
)
from ._client import DSClient
from ._documents import Document, build_document, document_names, load_document
from ._dossier_pdf import DossierPdf, fetch_dossier_pdf
from ._error_mapping import describe_operation, payload_error, raise_for_status
from ._exceptions import (
    DSAuthenticationError,
    DSBudgetError,
    DSError,
    DSFileError,
    DSForbiddenError,
    DSGraphQLError,
    DSHTTPError,
    DSInstructeurError,
    DSInternalError,
    DSNetworkError,
    DSNotFoundError,
    DSPayloadError,
    DSProtocolError,
    DSQueryTimeoutError,
    DSRateLimitError,
    DSServerError,
    DSUnauthorizedError,
)
from ._instructeurs import GroupeRef, Instructeur, find_instructeur, groupe_instructeur_emails
from ._mutations import (
    DecisionResult,
    LabelResult,
    MessageResult,
    accept,
    add_label,
    classer_sans_suite,
    dossier_number_of,
    pass_en_instruction,
    refuse,
    remove_label,
    send_message,
)
from ._pages import (
    DS_MAX_PAGE_SIZE,
    GraphQLExecutor,
    ReconcilePage,
    StreamPage,
    StreamPosition,
    SyncPage,
    fetch_dossier,
    fetch_reconcile_page,
    fetch_sync_page,
)
from ._prefill import (
    PREFILL_REQUESTS_PER_WINDOW,
    PREFILL_WINDOW_SECONDS,
    PrefillClient,
    PrefilledDossier,
    prefill_base_url,
)
from ._prefill_link import prefill_link
from ._rate_limit import (
    DS_REQUESTS_PER_MINUTE,
    DS_WINDOW_SECONDS,
    Clock,
    RateLimiter,
    SharedBudget,
    Sleep,
    limiter_for_key,
    limiter_for_token,
    token_bucket,
)
from ._snapshot import (
    DossierSnapshot,
    SnapshotAnnotation,
    SnapshotMessage,
    demarche_labels,
    fetch_dossier_snapshot,
    parse_dossier_snapshot,
)
from ._transport import NOT_IDEMPOTENT, DSTransport
from ._upload import UploadClient, md5_base64, upload_file

__all__ = [
    "ANNOTATION_KINDS",
    "DS_MAX_PAGE_SIZE",
    "DS_REQUESTS_PER_MINUTE",
    "DS_WINDOW_SECONDS",
    "NOT_IDEMPOTENT",
    "PREFILL_REQUESTS_PER_WINDOW",
    "PREFILL_WINDOW_SECONDS",
    "AnnotationKind",
    "AnnotationValue",
    "AnnotationsResult",
    "Clock",
    "DSAuthenticationError",
    "DSBudgetError",
    "DSClient",
    "DSError",
    "DSFileError",
    "DSForbiddenError",
    "DSGraphQLError",
    "DSHTTPError",
    "DSInstructeurError",
    "DSInternalError",
    "DSNetworkError",
    "DSNotFoundError",
    "DSPayloadError",
    "DSProtocolError",
    "DSQueryTimeoutError",
    "DSRateLimitError",
    "DSServerError",
    "DSTransport",
    "DSUnauthorizedError",
    "DecisionResult",
    "Document",
    "DossierPdf",
    "DossierSnapshot",
    "FailedAnnotation",
    "GraphQLExecutor",
    "GroupeRef",
    "Instructeur",
    "LabelResult",
    "MessageResult",
    "PrefillClient",
    "PrefilledDossier",
    "RateLimiter",
    "ReconcilePage",
    "SharedBudget",
    "Sleep",
    "SnapshotAnnotation",
    "SnapshotMessage",
    "StreamPage",
    "StreamPosition",
    "SyncPage",
    "UpdatedAnnotation",
    "UploadClient",
    "accept",
    "add_label",
    "build_document",
    "classer_sans_suite",
    "demarche_labels",
    "describe_operation",
    "document_names",
    "dossier_number_of",
    "fetch_dossier",
    "fetch_dossier_pdf",
    "fetch_dossier_snapshot",
    "fetch_reconcile_page",
    "fetch_sync_page",
    "find_instructeur",
    "groupe_instructeur_emails",
    "limiter_for_key",
    "limiter_for_token",
    "load_document",
    "md5_base64",
    "modify_annotations",
    "parse_dossier_snapshot",
    "pass_en_instruction",
    "prefill_base_url",
    "prefill_link",
    "payload_error",
    "raise_for_status",
    "refuse",
    "remove_label",
    "send_message",
    "token_bucket",
    "upload_file",
]
