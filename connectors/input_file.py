"""Files people hand to the CLI (rosters, availability, jury scores): read whole, bounded
in size, UTF-8 or refused with one French line naming the file — never a traceback.

YAML is read without aliases (``&a`` / ``*a``): no roster needs them, and a few hundred
bytes of nested aliases expand into gigabytes once printed or copied."""

from __future__ import annotations

from pathlib import Path

from models.french import nombre_fr
from settings.environment import Settings


class InputFileError(ValueError):
    """The file cannot be read as a person's input: the message says why, in one line."""


def read_input_text(path: Path | str, what: str, max_bytes: int | None = None) -> str:
    """The text of ``path`` (UTF-8, a BOM allowed); ``what`` names it in messages
    (« fichier des évaluateurs »)."""
    path = Path(path)
    limit = Settings().max_input_bytes if max_bytes is None else max_bytes
    try:
        if path.is_dir():
            raise InputFileError(f"{path} : c'est un dossier ; attendu le {what}")
        size = path.stat().st_size
        if size > limit:
            raise InputFileError(
                f"{path} : {nombre_fr(size)} octets, au-delà de la limite de "
                f"{nombre_fr(limit)} octets pour un {what} (EIG_MAX_INPUT_BYTES)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(f"{what} introuvable : {path}") from exc
    except OSError as exc:
        raise InputFileError(f"{path} : lecture impossible ({exc.strerror})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"{path}, ligne {line} : le fichier n'est pas en UTF-8 ; réenregistrez-le en "
            "« CSV UTF-8 » (ou UTF-8) depuis le tableur ou l'éditeur") from exc
