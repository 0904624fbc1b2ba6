"""The recorder agent: watch the directories a recorder writes segment files into, describe each
closed file in a signed manifest, and deliver the manifests to the server.

A file counts as closed when the recorder has started the next one in the same directory (file
names sort in recording order, as ``ffmpeg -f segment`` and NVRs write them), or when its size
and modification time have not changed for ``settle`` seconds. Each closed file is hashed once
(SHA-256, read in 1 MiB chunks), its frames are sampled (``content``), and its manifest goes into
the outbox together with the camera's new chain head (``outbox``). Delivery sends what the
outbox holds in batches and removes only what the server answered for.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import signal
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from custodywatch_protocol import recorder as rp
from custodywatch_recorder import content
from custodywatch_recorder.outbox import Outbox

logger = logging.getLogger("custodywatch_recorder")

SEGMENT_SUFFIXES = {".ts": "mpegts", ".mp4": "mp4", ".m4s": "mp4"}


class Fault:
    """A crash point for tests (``CUSTODYWATCH_RECORDER_FAULT=after_post``): the process kills
    itself there, as a power cut would. Nothing is armed in normal use."""

    @staticmethod
    def reached(name: str) -> None:
        if os.environ.get("CUSTODYWATCH_RECORDER_FAULT") == name:
            os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Config:
    recorder: str
    key: Ed25519PrivateKey
    server: str  # e.g. http://127.0.0.1:8000
    cameras: dict[str, Path]  # camera id -> directory its segments appear in
    state: Path
    settle: float = 5.0
    batch: int = 500
    clock_ref: str = "http-date:server"
    analyse: bool = True
    timeout: float = 30.0


@dataclass
class Agent:
    config: Config
    outbox: Outbox = field(init=False)
    clock_offset_ms: int = 0
    _sizes: dict[Path, tuple[int, int, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.config.state.parent.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox(self.config.state)

    # --- Describing segments ------------------------------------------------------------------

    def closed_files(self, camera: str, final: bool = False) -> list[Path]:
        """The camera's segment files that are closed and not yet described, in recording order."""
        directory = self.config.cameras[camera]
        if not directory.is_dir():
            return []
        files = sorted(p for p in directory.iterdir() if p.suffix in SEGMENT_SUFFIXES and p.is_file())
        known = self.outbox.known(camera)
        closed = []
        now = time.time()
        for i, path in enumerate(files):
            if path.name in known:
                continue
            if final or i < len(files) - 1:
                closed.append(path)
                continue
            stat = path.stat()
            seen = self._sizes.get(path)
            if seen and seen[:2] == (stat.st_size, stat.st_mtime_ns) and now - seen[2] >= self.config.settle:
                closed.append(path)
            elif not seen or seen[:2] != (stat.st_size, stat.st_mtime_ns):
                self._sizes[path] = (stat.st_size, stat.st_mtime_ns, now)
        return closed

    def describe(self, camera: str, path: Path) -> rp.Signed:
        """Hash, probe and sample one closed file; queue its manifest with the camera's new head."""
        head = self.outbox.head(camera)
        digest, size = rp.sha256_file(str(path))
        codec, width, height, duration = content.probe(path)
        picture = content.analyse(path) if self.config.analyse else "unchecked"
        end_ms = path.stat().st_mtime_ns // 1_000_000
        length = int((duration or 0) * 1000)
        start_ms = end_ms - length if length > 0 else end_ms
        if head.last_end is not None and start_ms < head.last_end:
            start_ms = min(head.last_end, end_ms)
        message = rp.Segment(
            recorder=self.config.recorder, camera=camera, seq=head.next_seq, start=start_ms, end=end_ms,
            clock_offset_ms=self.clock_offset_ms, clock_ref=self.config.clock_ref,
            codec=codec[:32].lower() or "unknown",
            width=max(1, min(width, 16384)), height=max(1, min(height, 16384)),
            container=SEGMENT_SUFFIXES[path.suffix], size=max(size, 1), sha256=digest, prev=head.last_sha256,
            picture=picture,
        )
        signed = rp.sign(message, self.config.key)
        self.outbox.add_segment(signed, path.name)
        return signed

    def scan(self, final: bool = False) -> int:
        made = 0
        for camera in sorted(self.config.cameras):
            for path in self.closed_files(camera, final=final):
                try:
                    self.describe(camera, path)
                except FileNotFoundError:
                    continue  # removed between listing and hashing: the inventory will say so
                made += 1
        return made

    def heartbeat(self) -> None:
        now = int(time.time() * 1000)
        self.outbox.add(rp.sign(rp.Heartbeat(recorder=self.config.recorder, at=now,
                                             clock_offset_ms=self.clock_offset_ms, clock_ref=self.config.clock_ref),
                                self.config.key))

    def inventory(self) -> None:
        """Report, per camera, which described segments are still on disk."""
        now = int(time.time() * 1000)
        for camera, directory in sorted(self.config.cameras.items()):
            held = self.outbox.held(camera)
            if not held:
                continue
            present = {p.name for p in directory.iterdir()} if directory.is_dir() else set()
            gone = [name for _seq, name in held if name not in present]
            self.outbox.mark_absent(camera, gone)
            ranges: list[list[int]] = []
            for seq, name in held:
                if name not in present:
                    continue
                if ranges and ranges[-1][1] == seq - 1:
                    ranges[-1][1] = seq
                else:
                    ranges.append([seq, seq])
            message = rp.Inventory(recorder=self.config.recorder, camera=camera, at=now,
                                   held=tuple((a, b) for a, b in ranges[-1000:]))
            self.outbox.add(rp.sign(message, self.config.key))

    # --- Delivery -----------------------------------------------------------------------------

    def deliver(self) -> int:
        """Send the outbox in batches until it is empty or the server cannot be reached; returns
        how many messages the server answered for."""
        answered = 0
        while True:
            pending = self.outbox.pending(self.config.batch)
            if not pending:
                return answered
            # v2: one signature for the whole batch (the server verifies it once, not per manifest).
            data = rp.encode_batch_submission(self.config.recorder, [s.body for _i, s in pending], self.config.key)
            try:
                result = self._post(data)
            except (urllib.error.URLError, OSError, TimeoutError) as e:
                logger.warning("server unreachable, %d messages wait: %s", len(pending), e)
                return answered
            if result is None:
                return answered
            Fault.reached("after_post")
            refused = {r["index"]: r for r in result.get("refused", [])}
            self.outbox.done([i for i, _s in pending],
                             [(pending[k][1].body, r["kind"], r["field"], r["error"]) for k, r in refused.items()
                              if 0 <= k < len(pending)])
            for r in refused.values():
                logger.error("server refused message %s: %s (%s)", r["index"], r["error"], r["field"])
            answered += len(pending)

    def _post(self, data: bytes) -> dict | None:
        url = self.config.server.rstrip("/") + "/api/v1/video/manifests"
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the server must be an http(s) URL, not {self.config.server}")
        request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"},  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                self._clock(response.headers.get("Date"))
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            body = e.read()[:500].decode(errors="replace")
            logger.error("server answered %s: %s", e.code, body)
            if e.code in (400, 401, 413):
                # Not a passing fault: keep everything and stop, a person must look.
                return None
            raise

    def _clock(self, date: str | None) -> None:
        """The offset of this machine's clock from the server's (its HTTP Date header, 1 s)."""
        if not date:
            return
        try:
            server = email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return
        offset = int((time.time() - server) * 1000)
        # The header has whole seconds: within a second is as good as it can tell.
        self.clock_offset_ms = 0 if abs(offset) < 1000 else offset

    def run(self, *, interval: float = 2.0, heartbeat_every: float = 30.0, inventory_every: float = 600.0,
            once: bool = False) -> None:
        last_heartbeat = last_inventory = 0.0
        while True:
            self.scan(final=once)
            now = time.monotonic()
            if now - last_heartbeat >= heartbeat_every:
                self.heartbeat()
                last_heartbeat = now
            if now - last_inventory >= inventory_every:
                self.inventory()
                last_inventory = now
            self.deliver()
            if once:
                return
            time.sleep(interval)
