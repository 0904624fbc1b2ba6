"""What anyone may read about the log: its keys, its witnesses' keys, and the browser verifier.

The tiles and checkpoints of the log can be published to anyone (entries carry commitments, not
identifiers), so the keys needed to check them, and the page that checks a proof, are public.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from django.conf import settings

from ledger import conf
from ledger.models import SigningKey

VERIFIER_PAGE = Path("packages") / "custodywatch-log" / "browser" / "verify.html"
VERIFIER_FILENAME = "custodywatch-verify.html"


@dataclass(frozen=True)
class PublicKey:
    """A named verifier key as the pages show it."""

    name: str
    vkey: str
    retired: bool = False


@dataclass(frozen=True)
class TrustedKeys:
    """The log's signing keys (the active one first) and the configured witnesses with their quorum."""

    log: list[PublicKey]
    witnesses: list[PublicKey]
    quorum: int

    @property
    def active(self) -> PublicKey | None:
        return next((k for k in self.log if not k.retired), None)

    @property
    def retired(self) -> list[PublicKey]:
        return [k for k in self.log if k.retired]


def trusted_keys() -> TrustedKeys:
    """Every key a reader needs to check the log, in one query."""
    rows = SigningKey.objects.order_by("retired_at", "-created_at")
    log = [PublicKey(k.name, k.vkey, retired=k.retired_at is not None) for k in rows]
    log.sort(key=lambda k: k.retired)
    configured = conf.witnesses()
    return TrustedKeys(
        log=log,
        witnesses=[PublicKey(w.name, w.verifier.vkey) for w in configured],
        quorum=conf.witness_quorum(configured),
    )


def verifier_package_version() -> str:
    """The version of the stand-alone verifier package installed with the app."""
    try:
        return metadata.version("custodywatch-log")
    except metadata.PackageNotFoundError:
        return ""


# ---------------------------------------------------------------------------------------------
# The browser verifier: one self-contained HTML file, served as it is and offered for download.

_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def verifier_path() -> Path:
    return Path(settings.BASE_DIR) / VERIFIER_PAGE


@lru_cache(maxsize=4)
def _verifier(path: Path, mtime_ns: int) -> tuple[bytes, str]:
    html = path.read_bytes()
    return html, _policy_for(html.decode("utf-8"))


def verifier_page() -> tuple[bytes, str]:
    """The verifier's HTML and the Content-Security-Policy that lets exactly its inline code run.

    The file must work opened from disk, so its script and style are inline; served here, the
    policy allows those two blocks by their SHA-256 hashes and nothing else: no other script, no
    network connection (``connect-src 'none'``), no form submission, no framing.
    """
    path = verifier_path()
    return _verifier(path, path.stat().st_mtime_ns)


def _policy_for(html: str) -> str:
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes[tag].append(f"'sha256-{digest}'")
    return "; ".join([
        "default-src 'none'",
        "script-src " + (" ".join(hashes["script"]) or "'none'"),
        "style-src " + (" ".join(hashes["style"]) or "'none'"),
        "img-src data:",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])
