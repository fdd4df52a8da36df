"""The evaluator's emails that are composed at send time: the task and the reminder digest.

Composed when delivered rather than when recorded, because what they carry must be fresh:
the dossier's PDF (DS file URLs expire after an hour) and whether the task is still open
(nobody is reminded of a task they have submitted or declined, even if the reminder was
recorded minutes before their answer).

The links are DS prefill links (`connectors.ds.prefill_link`): the evaluation démarche's
start page with the champs in the URL — no API call, no rate limit, the same link for an
assignment every time. The dossier's PDF is fetched once per dossier and delivery run
(three evaluators share a dossier), then taken from a small cache.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from connectors.documents import (
    calendar_uid,
    render_dossier_pdf,
    render_email,
    task_calendar,
)
from connectors.ds import (
    DossierPdf,
    DSClient,
    DSError,
    fetch_dossier_pdf,
    prefill_base_url,
    prefill_link,
)
from connectors.mail import Address, Attachment, OutgoingEmail
from connectors.store.repository import dialect_insert
from flows.runtime import Runtime
from models.chasing import task_reminder_at
from models.evaluation_inputs import OPEN_STATUSES
from models.evaluation_task import dossier_brief, dossier_document, dossier_essentials
from models.evaluation_token import make_token
from models.tables import Assignment, Demarche, Dossier, EvaluationLink, EvaluatorRow
from settings.environment import resolve_eval_token_secret

log = logging.getLogger(__name__)
PURPOSES = ("evaluate", "decline")
PDF_CACHE_ENTRIES = 32
"""Dossier PDFs kept per delivery run (a dossier's three task emails usually leave close
together: they are recorded together)."""
PDF_CACHE_BYTES = 64 * 1024 * 1024


class TaskPayloadError(ValueError):
    """The effect names an assignment or a dossier the store does not have."""


def programme(rt: Runtime) -> dict[str, str]:
    return {"name": rt.config.evaluation.programme_name,
            "contact": rt.config.evaluation.contact}


def task_context(rt: Runtime, assignment: Assignment, dossier: Dossier,
                 evaluator: EvaluatorRow, links: dict[str, str],
                 attachments: dict[str, str]) -> dict[str, Any]:
    """The context of ``emails/eval_request``."""
    track = rt.config.tracks[assignment.track]
    brief = dossier_brief(assignment.track, dossier.number, dossier.fields or {},
                          dossier.applicant or {})
    return {
        "evaluator": {"name": evaluator.name, "email": evaluator.email},
        "track": {"key": assignment.track, "label": track.label},
        "dossier": {**brief, "essentials": dossier_essentials(
            assignment.track, dossier.fields or {}, dossier.applicant or {})},
        "criteria": [c.model_dump() for c in track.criteria],
        "scale": track.scale.model_dump(),
        "comment_required": track.scoring.comment_required,
        "due": assignment.due_at,
        "links": links,
        "replacement": assignment.replaces_id is not None,
        "attachments": attachments,
        "programme": programme(rt),
    }


def reminder_entry(rt: Runtime, assignment: Assignment, dossier: Dossier, today: date,
                   links: dict[str, str]) -> dict[str, Any]:
    """One task of ``emails/eval_reminder``."""
    due_day = assignment.due_at.astimezone(ZoneInfo(rt.config.evaluation.timezone)).date()
    late = (today - due_day).days
    return {
        "dossier": dossier_brief(assignment.track, dossier.number, dossier.fields or {},
                                 dossier.applicant or {}),
        "track_label": rt.config.tracks[assignment.track].label,
        "due": assignment.due_at, "late": late > 0, "days": abs(late), "links": links,
    }


class TaskEmails:
    """Composes task emails and digests for one delivery run (one DS client, one cache of
    dossier PDFs)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.secret = resolve_eval_token_secret(rt.settings)
        self._ds: DSClient | None = None
        self._downloads: httpx.Client | None = None
        self._pdfs: OrderedDict[tuple[int, datetime | None], tuple[DossierPdf, str]] = (
            OrderedDict())
        self._pdf_lock = threading.Lock()
        self.pdf_fetches = 0
        """Dossier PDFs obtained (from DS, or rendered) rather than taken from the cache."""

    # -- the two emails ---------------------------------------------------------------

    def task(self, assignment_id: int, key: str) -> OutgoingEmail | None:
        """The task email, or None when the task is no longer open (nothing to send)."""
        assignment, dossier, evaluator = self._load(assignment_id)
        if assignment.status not in OPEN_STATUSES:
            return None
        links = self.links(assignment)
        pdf, source = self._dossier_pdf(assignment.track, dossier)
        ics_name = f"evaluation-{dossier.number}.ics"
        context = task_context(self.rt, assignment, dossier, evaluator, links,
                               {"pdf": pdf.filename, "pdf_source": source, "ics": ics_name})
        brief = context["dossier"]
        ics = task_calendar(
            uid=calendar_uid(key, self._domain(), "echeance"),
            todo_uid=calendar_uid(key, self._domain(), "tache"),
            summary=f"Évaluer le dossier EIG n° {dossier.number} ({brief['kind']})",
            description=(f"{brief['title']}\n\nGrille d'évaluation : {links['evaluate']}\n"
                         f"Je ne peux pas évaluer ce dossier : {links['decline']}"),
            due=assignment.due_at, url=links["evaluate"], now=self.rt.clock(),
            reminder=task_reminder_at(assignment.due_at, ZoneInfo(
                self.rt.config.evaluation.timezone), self.rt.config.evaluation.holidays_country),
            organizer_email=self.rt.settings.mail_sender_email)
        rendered = render_email("eval_request", context)
        return OutgoingEmail(
            to=[Address(evaluator.email, evaluator.name)], subject=rendered.subject,
            text=rendered.text, html=rendered.html,
            sender=self._sender(), reply_to=Address(self.rt.config.evaluation.contact),
            attachments=[Attachment(pdf.filename, pdf.content, "application/pdf"),
                         Attachment.calendar(ics_name, ics, method="PUBLISH")],
            message_id_key=key)

    def reminder(self, evaluator_email: str, items: list[dict[str, Any]], today: date,
                 key: str) -> OutgoingEmail | None:
        """One digest of the evaluator's reminders of the day, tasks still open only."""
        tasks = []
        for item in items:
            assignment, dossier, _ = self._load(int(item["assignment"]))
            if assignment.status in OPEN_STATUSES:
                tasks.append(reminder_entry(self.rt, assignment, dossier, today,
                                            self.links(assignment)))
        if not tasks:
            return None
        with self.rt.sessions() as session:
            evaluator = session.get(EvaluatorRow, evaluator_email)
        name = evaluator.name if evaluator else ""
        rendered = render_email("eval_reminder", {
            "evaluator": {"name": name, "email": evaluator_email}, "today": today,
            "tasks": tasks, "programme": programme(self.rt)})
        return OutgoingEmail(to=[Address(evaluator_email, name)], subject=rendered.subject,
                             text=rendered.text, html=rendered.html, sender=self._sender(),
                             reply_to=Address(self.rt.config.evaluation.contact),
                             message_id_key=key)

    # -- the prefilled links ----------------------------------------------------------

    def links(self, assignment: Assignment) -> dict[str, str]:
        """The evaluate and decline links of an assignment: DS prefill links, built here
        (no API call). Stored the first time (chase, fix requests and replacement notices
        read them back); a stored link is reused as it is, including one of an earlier
        version (a prefill API dossier's `?prefill_token=` link)."""
        with self.rt.sessions() as session:
            stored = {link.purpose: link.url for link in session.scalars(
                select(EvaluationLink).where(EvaluationLink.assignment_id == assignment.id))}
        missing = {purpose: self.link(assignment, purpose)
                   for purpose in PURPOSES if purpose not in stored}
        if missing:
            now = self.rt.clock()
            with self.rt.sessions.begin() as session:
                for purpose, url in missing.items():
                    session.execute(dialect_insert(session, EvaluationLink).values(
                        assignment_id=assignment.id, purpose=purpose, url=url,
                        created_at=now).on_conflict_do_nothing())
            stored |= missing
        return {purpose: stored[purpose] for purpose in PURPOSES}

    def link(self, assignment: Assignment, purpose: str) -> str:
        """`https://<DS>/commencer/<evaluation démarche's path>?champ_<id>=<value>…`: the
        same link for the same assignment and purpose, every time."""
        return prefill_link(self.public_url, self.rt.config.procedure_path("evaluations"),
                            self.prefill_values(assignment, purpose))

    @property
    def public_url(self) -> str:
        """The DS host root of the links (EIG_DS_PUBLIC_URL, else from EIG_DS_API_URL)."""
        return self.rt.settings.ds_public_url or prefill_base_url(self.rt.settings.ds_api_url)

    def prefill_values(self, assignment: Assignment, purpose: str) -> dict[str, Any]:
        """Champ descriptor id → value, for the evaluation démarche's form."""
        fields = self.rt.config.demarches["evaluations"].fields
        settings = self.rt.config.evaluation
        values = {
            "dossier_evalue": assignment.dossier_number,
            "jeton": make_token(self.secret, assignment.id, assignment.evaluator_email,
                                assignment.dossier_number),
            "evaluateur_email": assignment.evaluator_email,
            "nature": (settings.nature_evaluation if purpose == "evaluate"
                       else settings.nature_decline),
        }
        if purpose == "decline":
            values["motif_declin"] = settings.decline_motif
        return {fields[key].id: value for key, value in values.items() if key in fields}

    # -- the dossier's PDF ------------------------------------------------------------

    def dossier_pdf(self, track: str, dossier: Dossier) -> DossierPdf:
        """The dossier's PDF (DS's, or ours), as attached to a task email."""
        return self._dossier_pdf(track, dossier)[0]

    def _dossier_pdf(self, track: str, dossier: Dossier) -> tuple[DossierPdf, str]:
        """The dossier's PDF and its source ("ds" or "rendered"), once per dossier and run:
        kept by dossier number and DS update date (a dossier changed since is fetched
        again), the least recently used dropped beyond PDF_CACHE_ENTRIES or
        PDF_CACHE_BYTES."""
        key = (int(dossier.number), dossier.ds_updated_at)
        with self._pdf_lock:
            cached = self._pdfs.get(key)
            if cached is not None:
                self._pdfs.move_to_end(key)
                return cached
        fetched = self._fetch_pdf(track, dossier)
        with self._pdf_lock:
            self.pdf_fetches += 1
            self._pdfs[key] = fetched
            while len(self._pdfs) > PDF_CACHE_ENTRIES or (
                    len(self._pdfs) > 1 and sum(len(pdf.content) for pdf, _ in
                                                self._pdfs.values()) > PDF_CACHE_BYTES):
                self._pdfs.popitem(last=False)
        return fetched

    def _fetch_pdf(self, track: str, dossier: Dossier) -> tuple[DossierPdf, str]:
        """DS's own PDF, downloaded now; our rendering of the stored dossier otherwise."""
        if self._ds is None:
            self._ds = self.rt.new_ds_client()
            self._downloads = httpx.Client(timeout=60.0, follow_redirects=True)
        try:
            pdf = fetch_dossier_pdf(self._ds, dossier.number, http=self._downloads)
        except DSError as error:
            log.warning("dossier %s: DS PDF unavailable (%s); rendering our own",
                        dossier.number, error)
            pdf = None
        if pdf is not None:
            return pdf, "ds"
        with self.rt.sessions() as session:
            demarche = session.get(Demarche, dossier.demarche_number)
        context = dossier_document(
            track, dossier.number, (demarche.title if demarche else None) or "",
            dossier.state, dossier.date_depot, dossier.champs or [], dossier.applicant or {},
            dossier.fields or {}, self.rt.clock())
        return (DossierPdf(f"dossier-{dossier.number}.pdf", render_dossier_pdf(context),
                           "application/pdf"), "rendered")

    # -- helpers ----------------------------------------------------------------------

    def _load(self, assignment_id: int) -> tuple[Assignment, Dossier, EvaluatorRow]:
        with self.rt.sessions() as session:
            assignment = session.get(Assignment, assignment_id)
            if assignment is None:
                raise TaskPayloadError(f"assignment {assignment_id} is not in the store")
            dossier = session.scalar(select(Dossier).where(
                Dossier.number == assignment.dossier_number))
            evaluator = session.get(EvaluatorRow, assignment.evaluator_email)
            if dossier is None or evaluator is None:
                raise TaskPayloadError(f"assignment {assignment_id}: dossier "
                                       f"{assignment.dossier_number} or evaluator "
                                       f"{assignment.evaluator_email} is not in the store")
            session.expunge_all()
        return assignment, dossier, evaluator

    def _sender(self) -> Address:
        return Address(self.rt.settings.mail_sender_email, self.rt.settings.mail_sender_name)

    def _domain(self) -> str:
        return sender_domain(self.rt)

    def close(self) -> None:
        self._pdfs.clear()
        if self._ds is not None:
            self._ds.close()
            self._ds = None
        if self._downloads is not None:
            self._downloads.close()
            self._downloads = None


def sender_domain(rt: Runtime) -> str:
    """The domain of the configured From address: the calendar UIDs' (as the
    Message-IDs')."""
    return Address(rt.settings.mail_sender_email).domain


def as_day(value: str | date | datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(value)
