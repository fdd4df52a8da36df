"""The Jinja filters of every template (HTML, text and .docx): the French formats of
``models.french``, the one place they are defined."""

from models.french import (
    NARROW_NBSP,
    date_fr,
    datetime_fr,
    euros,
    nombre_fr,
    pluriel,
    pourcentage,
    to_paris,
)

FILTERS = {"date_fr": date_fr, "datetime_fr": datetime_fr, "nombre_fr": nombre_fr,
           "euros": euros, "pourcentage": pourcentage, "pluriel": pluriel}

__all__ = ["FILTERS", "NARROW_NBSP", "date_fr", "datetime_fr", "euros", "nombre_fr", "pluriel",
           "pourcentage", "to_paris"]
