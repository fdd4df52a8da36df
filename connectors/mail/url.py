"""Parse ``EIG_SMTP_URL``: where to send, how to secure it, with which credentials.

    smtp://host:port                 plain SMTP (the local server of the demo and tests)
    smtp://host:587?starttls=1       SMTP upgraded with STARTTLS (submission port)
    smtps://user:pass@host:465       SMTP inside TLS from the first byte

Credentials are percent-decoded (a password with ``@``, ``:``, ``/``, ``#``, ``?`` or
``%`` must be written ``%40``, ``%3A``, ``%2F``, ``%23``, ``%3F``, ``%25``). The password
never appears in ``repr`` nor in ``redacted()``, the form every message and log uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import ip_address
from urllib.parse import parse_qsl, unquote, urlsplit

from ._exceptions import MailConfigurationError

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


@dataclass(frozen=True)
class SmtpUrl:
    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False

    @property
    def implicit_tls(self) -> bool:
        return self.scheme == "smtps"

    @property
    def encrypted(self) -> bool:
        return self.implicit_tls or self.starttls

    def redacted(self) -> str:
        """The URL for messages and logs: the password replaced by ``***``."""
        user = f"{self.username}:***@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "?starttls=1" if self.starttls else ""
        return f"{self.scheme}://{user}{host}:{self.port}{query}"


def parse_smtp_url(url: str) -> SmtpUrl:
    """The parts of an SMTP URL, or a ``MailConfigurationError`` saying what is wrong
    (with the URL's password masked)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:  # its text may quote a piece of the password: not shown
        raise MailConfigurationError(
            f"EIG_SMTP_URL invalide ({_mask(url)}) : port illisible ; forme attendue "
            "smtp://hôte:port ou smtps://utilisateur:mot-de-passe@hôte:465, les caractères "
            "spéciaux des identifiants encodés (@ %40, : %3A, / %2F, # %23, ? %3F)") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise MailConfigurationError(
            f"EIG_SMTP_URL ({_mask(url)}) : schéma {parts.scheme!r} inconnu ; "
            "utiliser smtp:// (avec ?starttls=1 au besoin) ou smtps://")
    if not parts.hostname:
        raise MailConfigurationError(f"EIG_SMTP_URL ({_mask(url)}) : il manque l'hôte")
    if parts.path not in ("", "/"):
        raise MailConfigurationError(
            f"EIG_SMTP_URL ({_mask(url)}) : chemin {parts.path!r} inattendu ; un caractère "
            "spécial du mot de passe (/ # ?) doit être encodé (%2F %23 %3F)")
    starttls = False
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "starttls" or value.lower() not in _TRUE | _FALSE:
            raise MailConfigurationError(
                f"EIG_SMTP_URL ({_mask(url)}) : paramètre {key}={value!r} inconnu ; "
                "seul starttls=1 ou starttls=0 est accepté")
        starttls = value.lower() in _TRUE
    if starttls and scheme == "smtps":
        raise MailConfigurationError(
            f"EIG_SMTP_URL ({_mask(url)}) : smtps:// chiffre déjà la connexion ; retirer "
            "?starttls=1 (ou utiliser smtp://hôte:587?starttls=1)")
    url_parts = SmtpUrl(
        scheme=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        starttls=starttls,
    )
    if url_parts.username and not url_parts.encrypted and not _is_loopback(url_parts.host):
        raise MailConfigurationError(
            f"EIG_SMTP_URL ({url_parts.redacted()}) : des identifiants ne doivent pas "
            "circuler en clair ; utiliser smtps:// ou ?starttls=1")
    return url_parts


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _mask(url: str) -> str:
    """The URL with whatever sits between ``//`` and the last ``@`` masked: safe even
    for URLs too broken to parse."""
    head, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    return f"{head}://***@{rest.rpartition('@')[2]}"
