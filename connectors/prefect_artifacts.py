"""The Prefect artifacts our runs published (their tables name dossiers, evaluators,
applicants): listed by age or by what they mention, and deleted. The flow runs' logs
are Prefect's own to vacuum (docs/rgpd.md: PREFECT_SERVER_SERVICES_DB_VACUUM_*)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

PAGE = 200


class ArtifactsUnavailable(RuntimeError):
    """The Prefect API does not answer: artifacts are left for the next run."""


@dataclass(frozen=True)
class StoredArtifact:
    id: UUID
    key: str
    created: datetime
    text: str  # the artifact's data, as text (to search)


def artifacts() -> list[StoredArtifact]:
    """Every artifact of the Prefect API in use, oldest first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import ArtifactSort

    found: list[StoredArtifact] = []
    try:
        with get_client(sync_client=True) as client:
            while True:
                page = client.read_artifacts(sort=ArtifactSort.CREATED_DESC, limit=PAGE,
                                             offset=len(found))
                found += [StoredArtifact(a.id, a.key or "", a.created, _text(a.data))
                          for a in page if a.created is not None]
                if len(page) < PAGE:
                    break
    except Exception as error:  # unreachable server, refused request
        raise ArtifactsUnavailable(str(error)) from error
    return sorted(found, key=lambda a: a.created)


def _text(data: object) -> str:
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False,
                                                         default=str)


def older_than(found: Iterable[StoredArtifact], before: datetime) -> list[StoredArtifact]:
    return [a for a in found if a.created < before]


def mentioning(found: Iterable[StoredArtifact], needles: Sequence[str]
               ) -> list[StoredArtifact]:
    """Artifacts whose data mentions any of ``needles`` (case-insensitive)."""
    lowered = [n.lower() for n in needles if n]
    return [a for a in found if any(n in a.text.lower() for n in lowered)]


def delete_artifacts(ids: Iterable[UUID]) -> int:
    from prefect.client.orchestration import get_client

    done = 0
    try:
        with get_client(sync_client=True) as client:
            for artifact_id in ids:
                client.delete_artifact(artifact_id)
                done += 1
    except Exception as error:
        raise ArtifactsUnavailable(str(error)) from error
    return done
