"""C2SP tlog-tiles: tile paths, hash tiles, entry bundles, writing a tile tree, and tile readers.

Pure Python; no Django. A hash tile ``(level L, index N)`` holds up to 256 hashes of the complete
subtrees ``(8*L, N*256 + i)``; level 0 tiles hold leaf hashes. An entry bundle holds the entries of
the matching level 0 tile, each as a big-endian uint16 length followed by the entry bytes.

The Django side produces tiles from its own subtree table with ``tiles_for_size``,
``TileRef.subtrees`` and ``encode_hash_tile``; ``write_tiles`` does the same from a list of entries.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from custodywatch_log.merkle import HASH_SIZE, MerkleTree, Subtree

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "DirectoryTileReader",
    "HttpTileReader",
    "TileError",
    "TileNotFound",
    "TileReader",
    "TileRef",
    "decode_entry_bundle",
    "decode_hash_tile",
    "encode_entry_bundle",
    "encode_hash_tile",
    "encode_tile_index",
    "entries_path",
    "open_tile_reader",
    "parse_tile_path",
    "read_tile",
    "tile_path",
    "tiles_for_size",
    "write_tiles",
]

TILE_HEIGHT = 8
TILE_WIDTH = 256
MAX_ENTRY_SIZE = 0xFFFF
_MAX_LEVEL = 63


class TileError(ValueError):
    """A tile, tile path or entry bundle is malformed."""


class TileNotFound(TileError):
    """A tile or bundle is absent from the log."""


def encode_tile_index(index: int) -> str:
    """Encode a tile index as 3-digit path elements, all but the last prefixed with ``x``."""
    if index < 0:
        raise TileError(f"negative tile index {index}")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if not index:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def _suffix(width: int | None) -> str:
    if width is None or width == TILE_WIDTH:
        return ""
    if not 1 <= width < TILE_WIDTH:
        raise TileError(f"tile width {width} is outside 1..256")
    return f".p/{width}"


def tile_path(level: int, index: int, width: int | None = None) -> str:
    """Return ``tile/<L>/<N>[.p/<W>]``; ``width`` None or 256 means a full tile."""
    if not 0 <= level <= _MAX_LEVEL:
        raise TileError(f"tile level {level} is outside 0..63")
    return f"tile/{level}/{encode_tile_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int | None = None) -> str:
    """Return ``tile/entries/<N>[.p/<W>]``; ``width`` None or 256 means a full bundle."""
    return f"tile/entries/{encode_tile_index(index)}{_suffix(width)}"


_PATH_RE = re.compile(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """Parse a tile or bundle path into ``(level or None for entries, index, width)``.

    Strict: accepts only paths ``tile_path``/``entries_path`` produce; raises ``TileError``.
    """
    m = _PATH_RE.fullmatch(path)
    if not m:
        raise TileError(f"{path!r} is not a tile path")
    level_text, index_text, width_text = m.groups()
    level = None if level_text == "entries" else int(level_text)
    if level is not None and level > _MAX_LEVEL:
        raise TileError(f"tile level {level} is outside 0..63")
    index = int(index_text.replace("x", "").replace("/", ""))
    width = int(width_text) if width_text else TILE_WIDTH
    if width_text and width >= TILE_WIDTH:
        raise TileError(f"partial tile width {width} is outside 1..255")
    canonical = entries_path(index, width) if level is None else tile_path(level, index, width)
    if canonical != path:
        raise TileError(f"{path!r} is not in canonical form ({canonical!r})")
    return level, index, width


@dataclass(frozen=True)
class TileRef:
    """One hash tile (level >= 0) of a tree; ``width`` < 256 for a partial tile."""

    level: int
    index: int
    width: int

    @property
    def path(self) -> str:
        """The tile's path under the log prefix."""
        return tile_path(self.level, self.index, self.width)

    @property
    def entries_path(self) -> str:
        """The matching entry bundle path (level 0 only)."""
        if self.level:
            raise TileError("only level 0 tiles have entry bundles")
        return entries_path(self.index, self.width)

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def subtrees(self) -> list[Subtree]:
        """The complete subtrees whose hashes the tile holds, in order."""
        first = self.index * TILE_WIDTH
        return [(TILE_HEIGHT * self.level, first + i) for i in range(self.width)]

    @property
    def first_leaf(self) -> int:
        """Index of the first leaf the tile covers."""
        return self.index * TILE_WIDTH ** (self.level + 1)


def tiles_for_size(size: int) -> list[TileRef]:
    """Return every tile (full and the rightmost partial ones) a tree of ``size`` leaves publishes.

    Ordered by level, then index. Entry bundles mirror the level 0 tiles.
    """
    if size < 0:
        raise TileError(f"negative tree size {size}")
    out: list[TileRef] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        hashes = size >> (TILE_HEIGHT * level)
        full, partial = divmod(hashes, TILE_WIDTH)
        out.extend(TileRef(level, n, TILE_WIDTH) for n in range(full))
        if partial:
            out.append(TileRef(level, full, partial))
        level += 1
    return out


def encode_hash_tile(hashes: Sequence[bytes]) -> bytes:
    """Concatenate 1..256 hashes into a tile."""
    if not 1 <= len(hashes) <= TILE_WIDTH:
        raise TileError(f"a tile holds 1..256 hashes, not {len(hashes)}")
    if any(len(h) != HASH_SIZE for h in hashes):
        raise TileError("tile hashes must be 32 bytes")
    return b"".join(hashes)


def decode_hash_tile(data: bytes, width: int) -> list[bytes]:
    """Split a tile into ``width`` hashes; raises ``TileError`` if its length is not ``32 * width``."""
    if len(data) != HASH_SIZE * width:
        raise TileError(f"tile is {len(data)} bytes, expected {HASH_SIZE * width} for {width} hashes")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Encode entries as a bundle (uint16 big-endian length || entry, for each)."""
    parts = []
    for i, e in enumerate(entries):
        if len(e) > MAX_ENTRY_SIZE:
            raise TileError(f"entry {i} is {len(e)} bytes, more than {MAX_ENTRY_SIZE}")
        parts.append(len(e).to_bytes(2, "big"))
        parts.append(e)
    return b"".join(parts)


def decode_entry_bundle(data: bytes, expected: int | None = None) -> list[bytes]:
    """Decode an entry bundle; raises ``TileError`` on truncation or a count other than ``expected``."""
    out = []
    pos, n = 0, len(data)
    while pos < n:
        if pos + 2 > n:
            raise TileError(f"entry bundle is truncated in the length of entry {len(out)}")
        end = pos + 2 + ((data[pos] << 8) | data[pos + 1])
        if end > n:
            raise TileError(f"entry bundle is truncated in entry {len(out)}")
        out.append(bytes(data[pos + 2 : end]))
        pos = end
    if expected is not None and len(out) != expected:
        raise TileError(f"entry bundle holds {len(out)} entries, expected {expected}")
    return out


# ---------------------------------------------------------------------------------------------
# Writing


def _write(root: Path, relative: str, data: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_tiles(
    directory: str | os.PathLike[str],
    entries: Sequence[bytes],
    signed_checkpoint: str | None = None,
    *,
    hashes: Mapping[Subtree, bytes] | None = None,
) -> list[str]:
    """Write the entry bundles and hash tiles for a tree of ``len(entries)`` leaves, then the checkpoint.

    ``hashes`` (every complete-subtree hash, e.g. ``MerkleTree.subtrees``) is computed from the
    entries when not given. The checkpoint is written last so a reader never sees a checkpoint
    whose tiles are missing. Returns the relative paths written.
    """
    root = Path(directory)
    if hashes is None:
        hashes = MerkleTree.from_entries(entries).subtrees
    written = []
    for ref in tiles_for_size(len(entries)):
        if ref.level == 0:
            first = ref.index * TILE_WIDTH
            _write(root, ref.entries_path, encode_entry_bundle(entries[first : first + ref.width]))
            written.append(ref.entries_path)
        _write(root, ref.path, encode_hash_tile([hashes[st] for st in ref.subtrees]))
        written.append(ref.path)
    if signed_checkpoint is not None:
        _write(root, "checkpoint", signed_checkpoint.encode("utf-8"))
        written.append("checkpoint")
    return written


# ---------------------------------------------------------------------------------------------
# Reading


class TileReader:
    """Fetches resources (``checkpoint``, tiles, bundles) under a log prefix."""

    location: str

    def read(self, path: str) -> bytes:
        """Return the resource at ``path``; raises ``TileNotFound`` or ``TileError``."""
        raise NotImplementedError

    def read_checkpoint(self) -> bytes:
        """Return the signed checkpoint note."""
        return self.read("checkpoint")


class DirectoryTileReader(TileReader):
    """Reads a tile tree from a local directory."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.root = Path(directory)
        self.location = str(self.root)

    def read(self, path: str) -> bytes:
        if path.startswith("/") or ".." in path.split("/"):
            raise TileError(f"refusing unsafe path {path!r}")
        try:
            # os-level calls: an audit reads two small files per 256 leaves, and pathlib's
            # per-call overhead was a measurable share of it.
            fd = os.open(os.path.join(self.location, path), os.O_RDONLY)
            try:
                chunks = []
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
            finally:
                os.close(fd)
            return b"".join(chunks)
        except FileNotFoundError:
            raise TileNotFound(f"{path} is missing from {self.location}") from None
        except OSError as e:
            raise TileError(f"cannot read {path} from {self.location}: {e.strerror}") from None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class _TokenKeepingRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects, carrying the bearer token only to the request's own origin.

    The token is an unredirected header, so urllib never copies it to the new request; this
    handler adds it back only when the target has the same scheme, host and port (so never after
    a redirect from HTTPS to plain HTTP, nor to another host). A log that redirects elsewhere
    gets no credentials.
    """

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        token = req.unredirected_hdrs.get("Authorization")
        if new is not None and token and _origin(newurl) == _origin(req.full_url):
            new.add_unredirected_header("Authorization", token)
        return new


def _gunzip(data: bytes, limit: int, url: str) -> bytes:
    """Decompress a gzip body, refusing one that expands beyond ``limit`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as e:
        raise TileError(f"{url} is served gzip-encoded but does not decompress: {e}") from None
    if len(out) > limit:
        raise TileError(f"{url} decompresses to more than {limit} bytes")
    if not inflater.eof:
        raise TileError(f"{url} is served gzip-encoded but its gzip stream is truncated")
    return out


class HttpTileReader(TileReader):
    """Reads a tile tree from an HTTP(S) prefix with urllib.

    Asks for (and accepts) ``Content-Encoding: gzip``, which tlog-tiles allows servers to use for
    entry bundles and tiles. The bearer token, if any, is sent to the log's own origin only: never
    after a redirect to another scheme, host or port, nor over plain HTTP after a redirect.
    """

    def __init__(
        self, prefix: str, timeout: float = 30.0, max_bytes: int = 64 * 1024 * 1024, token: str | None = None
    ) -> None:
        if urllib.parse.urlsplit(prefix).scheme not in ("http", "https"):
            raise TileError(f"{prefix!r} is not an http(s) URL")
        self.prefix = prefix.rstrip("/") + "/"
        self.location = self.prefix
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.headers = {"Accept-Encoding": "gzip, identity"}
        # A log published only to accredited readers asks for their bearer token.
        self.token = token
        self._opener = urllib.request.build_opener(_TokenKeepingRedirects)

    def read(self, path: str) -> bytes:
        url = self.prefix + path
        request = urllib.request.Request(url, headers=self.headers)  # noqa: S310
        if self.token:
            request.add_unredirected_header("Authorization", f"Bearer {self.token}")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                data = response.read(self.max_bytes + 1)
                encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
        except urllib.error.HTTPError as e:
            e.close()
            if e.code in (404, 410):
                raise TileNotFound(f"{path} is missing from {self.location} (HTTP {e.code})") from None
            raise TileError(f"cannot fetch {url}: HTTP {e.code}") from None
        except (urllib.error.URLError, OSError) as e:
            raise TileError(f"cannot fetch {url}: {e}") from None
        if len(data) > self.max_bytes:
            raise TileError(f"{url} is larger than {self.max_bytes} bytes")
        if encoding in ("gzip", "x-gzip"):
            return _gunzip(data, self.max_bytes, url)
        if encoding != "identity":
            raise TileError(f"{url} is served with Content-Encoding {encoding!r}; only gzip is understood")
        return data


def open_tile_reader(location: str, token: str | None = None) -> TileReader:
    """Return an HTTP reader for ``http(s)://`` locations and a directory reader otherwise."""
    if location.startswith(("http://", "https://")):
        return HttpTileReader(location, token=token)
    if not Path(location).is_dir():
        raise TileError(f"{location} is neither an http(s) URL nor a directory")
    return DirectoryTileReader(location)


def read_tile(reader: TileReader, level: int | None, index: int, width: int) -> tuple[bytes, int]:
    """Fetch a hash tile (``level`` >= 0) or entry bundle (``level`` None) meant to hold ``width`` items.

    Returns the data and the width of the resource actually read: a partial resource that is gone
    is replaced by the full one (256), as tlog-tiles allows; the caller then uses its first
    ``width`` items. Raises ``TileNotFound`` if neither exists.
    """
    path = entries_path(index, width) if level is None else tile_path(level, index, width)
    try:
        return reader.read(path), width
    except TileNotFound:
        if width == TILE_WIDTH:
            raise
    full = entries_path(index) if level is None else tile_path(level, index)
    try:
        return reader.read(full), TILE_WIDTH
    except TileNotFound:
        raise TileNotFound(f"{path} is missing (and so is the full {full})") from None
