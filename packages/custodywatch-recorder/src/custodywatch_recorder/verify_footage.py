"""verify-footage: which camera and time a copy of footage is, and whether it matches the ledger.

    verify-footage FILE... --log-key VKEY --package export.zip     # offline, from an export package
    verify-footage FILE... --log-key VKEY --server https://cw.example   # asks the server (CUSTODYWATCH_TOKEN)

For each file it computes the SHA-256 and finds the segment manifest naming it, then checks, in
order: the manifest's signature with the recorder's key; that the file's hash and size are the
manifest's (byte for byte); that the ledger entry's opening lists the manifest's digest and opens
the entry's commitment; and that the entry is included in a checkpoint signed with the log key
(the proof bundle, as ``custodywatch-verify proof`` checks it). It says which step fails and exits
non-zero if any file does not match. Imports no server code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custodywatch_log.entries import Opening, OpeningError, verify_opening
from custodywatch_log.proof import ProofBundleError, verify_proof_bundle
from custodywatch_protocol import recorder as rp

PACKAGE_FORMAT = "custodywatch/footage-export/v1"


@dataclass
class Finding:
    path: str
    ok: bool
    lines: list[str] = field(default_factory=list)


class Source:
    """Where the evidence comes from: an export package, or the server's API."""

    def by_hash(self, sha256: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def by_name(self, name: str) -> dict[str, Any] | None:
        return None


class PackageSource(Source):
    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            doc = json.loads(archive.read("manifest.json"))
        if doc.get("format") != PACKAGE_FORMAT:
            raise ValueError(f"{path}: not a CustodyWatch footage export ({doc.get('format')!r})")
        self.segments: list[dict[str, Any]] = doc["segments"]
        self.log_key: str | None = doc.get("log_key")

    def by_hash(self, sha256: str) -> list[dict[str, Any]]:
        return [s for s in self.segments if s["sha256"] == sha256]

    def by_name(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.segments if Path(s.get("file", "")).name == name), None)


class ServerSource(Source):
    def __init__(self, url: str, token: str | None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the server must be an http(s) URL, not {url}")
        self.url = url.rstrip("/")
        self.token = token

    def by_hash(self, sha256: str) -> list[dict[str, Any]]:
        request = urllib.request.Request(f"{self.url}/api/v1/video/segments/{sha256}")  # noqa: S310
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read())["segments"]
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return []
            raise


def check_evidence(digest: str, size: int, evidence: dict[str, Any], log_keys: list[str]) -> tuple[bool, list[str]]:
    """Check one segment's evidence against a file's hash and size; (matches, lines saying why)."""
    lines = [f"camera {evidence['camera']} ({evidence.get('zone', '?')}) of recorder {evidence['recorder']}, "
             f"facility {evidence.get('facility', '?')}",
             f"segment {evidence['seq']}, recorded {evidence['start']} to {evidence['end']}"]
    try:
        signed = rp.parse_signed(evidence["manifest"], "manifest")
    except rp.ProtocolError as e:
        return False, [*lines, f"FAIL: the manifest is malformed: {e}"]
    message = signed.message
    if not isinstance(message, rp.Segment):
        return False, [*lines, "FAIL: the manifest is not a segment manifest"]
    try:
        key = rp.load_public_key(evidence["recorder_key"])
    except rp.ProtocolError as e:
        return False, [*lines, f"FAIL: the recorder key is unusable: {e}"]
    if not rp.verify(signed, key):
        return False, [*lines, "FAIL: the manifest's signature does not verify with the recorder's key"]
    lines.append("manifest signed by the recorder's key: yes")
    if message.sha256 != digest or message.size != size:
        return False, [*lines, f"FAIL: the file differs from the recorded segment: the manifest says SHA-256 "
                               f"{message.sha256}, {message.size} bytes; this file has {digest}, {size} bytes"]
    lines.append("file matches the manifest byte for byte (SHA-256 and size)")
    if evidence.get("opening") is None or evidence.get("proof") is None:
        return False, [*lines, "NOT YET PROVEN: no published checkpoint covers its ledger entry yet "
                               "(or the opening is outside your mandate)"]
    try:
        opening = Opening.parse(evidence["opening"])
        verified = verify_proof_bundle(evidence["proof"], log_keys)
        entry = verified.bundle.extra
        if entry is None:
            return False, [*lines, "FAIL: the proof bundle carries no entry"]
        record = verify_opening(entry, opening)
    except (OpeningError, ProofBundleError, ValueError) as e:
        return False, [*lines, f"FAIL: ledger proof: {e}"]
    if signed.digest not in record.get("manifests", []):
        return False, [*lines, f"FAIL: ledger entry {verified.bundle.index} does not list this manifest"]
    lines.append(f"ledger entry {verified.bundle.index} commits to the manifest; included in the checkpoint of "
                 f"{verified.quorum.checkpoint.size} entries signed with the log key")
    return True, lines


def check_file(path: Path, source: Source, log_keys: list[str]) -> Finding:
    digest, size = rp.sha256_file(str(path))
    candidates = source.by_hash(digest)
    if not candidates:
        named = source.by_name(path.name)
        if named is not None:
            _ok, lines = check_evidence(digest, size, named, log_keys)
            return Finding(str(path), False, [f"DIFFERS: the file is named as this segment, but is not it: {lines[-1]}",
                                              *lines[:-1]])
        return Finding(str(path), False, [f"NOT FOUND: no segment manifest names a file with SHA-256 {digest} "
                                          f"({size} bytes): not an original segment, or altered"])
    findings = [check_evidence(digest, size, evidence, log_keys) for evidence in candidates]
    for ok, lines in findings:
        if ok:
            return Finding(str(path), True, ["MATCHES the ledger byte for byte", *lines])
    return Finding(str(path), False, findings[0][1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="verify-footage", description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--log-key", action="append", default=[], help="the ledger's public key (vkey); trust it from "
                   "outside the package, e.g. the published key")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--package", type=Path, help="an export package (zip)")
    where.add_argument("--server", help="the CustodyWatch server (token in CUSTODYWATCH_TOKEN)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    source: Source = (PackageSource(args.package) if args.package
                      else ServerSource(args.server, os.environ.get("CUSTODYWATCH_TOKEN")))
    keys = list(args.log_key)
    if not keys:
        if isinstance(source, PackageSource) and source.log_key:
            keys = [source.log_key]
            print("warning: no --log-key given; using the key in the package (compare it with the published key)",
                  file=sys.stderr)
        else:
            p.error("--log-key is required")
    findings = []
    for path in args.files:
        try:
            findings.append(check_file(path, source, keys))
        except OSError as e:
            findings.append(Finding(str(path), False, [f"cannot read: {e}"]))
    if args.json:
        print(json.dumps([f.__dict__ for f in findings], indent=1))
    else:
        for finding in findings:
            print(f"{finding.path}: {finding.lines[0]}")
            for line in finding.lines[1:]:
                print(f"  {line}")
    return 0 if all(f.ok for f in findings) else 1


if __name__ == "__main__":
    raise SystemExit(main())
