"""Documents: French emails and printable documents from ``templates/``, PDF, iCalendar.

    email = render_email("eval_request", context)        # RenderedEmail(subject, text, html)
    pdf = render_dossier_pdf({"dossier": ..., "generated_at": now})
    uid = calendar_uid(effect_key, sender_domain)         # stable, unique per deployment
    ics = task_calendar(uid=uid, summary=..., description=..., due=due, url=link, now=now)
    ics = hearing_calendar(uid=..., sequence=0, method="REQUEST", start=..., end=..., …)
    docx = render_docx("convention", context)           # editable Word document (bytes)
    pdf = convention_pdf(docx, title="Projet de convention …")   # its printable preview

Contexts are plain data (see ``templates/README.md``); a missing key raises, and every
value from a dossier or a person is escaped in HTML.
"""

from .charts import score_distributions_png
from .docx import (
    convention_pdf,
    convention_pdfs,
    docx_template_names,
    docx_to_html,
    render_docx,
)
from .french import date_fr, datetime_fr, euros, nombre_fr, pluriel, pourcentage
from .ical import PRODID, calendar_uid, hearing_calendar, task_calendar
from .pdf import html_to_pdf, offline_fetcher, render_dossier_pdf
from .templates import (
    TEMPLATES_DIR,
    RenderedEmail,
    TemplateNotFoundError,
    document_template_names,
    email_template_names,
    environment,
    render_document,
    render_email,
)

__all__ = [
    "PRODID",
    "TEMPLATES_DIR",
    "RenderedEmail",
    "TemplateNotFoundError",
    "calendar_uid",
    "convention_pdf",
    "convention_pdfs",
    "date_fr",
    "datetime_fr",
    "document_template_names",
    "docx_template_names",
    "docx_to_html",
    "email_template_names",
    "environment",
    "euros",
    "hearing_calendar",
    "html_to_pdf",
    "nombre_fr",
    "offline_fetcher",
    "pluriel",
    "pourcentage",
    "render_docx",
    "render_document",
    "render_dossier_pdf",
    "render_email",
    "score_distributions_png",
    "task_calendar",
]
