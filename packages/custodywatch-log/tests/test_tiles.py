"""Tile paths, tile sets per tree size, hash tiles and entry bundles, writing and reading (dir and HTTP)."""

from __future__ import annotations

import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import make_entries

from custodywatch_log.audit import TileHashes, audit_tiles
from custodywatch_log.merkle import MerkleTree
from custodywatch_log.tiles import (
    DirectoryTileReader,
    HttpTileReader,
    TileError,
    TileNotFound,
    decode_entry_bundle,
    decode_hash_tile,
    encode_entry_bundle,
    encode_hash_tile,
    encode_tile_index,
    entries_path,
    parse_tile_path,
    read_tile,
    tile_path,
    tiles_for_size,
    write_tiles,
)


def test_tile_paths_follow_the_spec():
    assert encode_tile_index(1234067) == "x001/x234/067"
    assert encode_tile_index(0) == "000"
    assert encode_tile_index(1000) == "x001/000"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(1, 5, 17) == "tile/1/005.p/17"
    assert entries_path(273, 112) == "tile/entries/273.p/112"
    assert parse_tile_path("tile/entries/x001/x234/067.p/9") == (None, 1234067, 9)
    assert parse_tile_path("tile/63/000") == (63, 0, 256)


@pytest.mark.parametrize(
    "path", ["tile/0/1", "tile/0/x000/001", "tile/64/000", "tile/0/000.p/256", "tile/0/000.p/0", "tile/00/000", "x"]
)
def test_non_canonical_tile_paths_are_refused(path):
    with pytest.raises(TileError):
        parse_tile_path(path)


def test_the_spec_example_tree_of_70000_leaves():
    tiles = tiles_for_size(70000)
    by_level = {lvl: [t for t in tiles if t.level == lvl] for lvl in (0, 1, 2)}
    assert len(by_level[0]) == 274
    assert by_level[0][-1].width == 112
    assert [t.width for t in by_level[1]] == [256, 17]
    assert [t.width for t in by_level[2]] == [1]
    assert [(t.level, t.width) for t in tiles_for_size(256)] == [(0, 256), (1, 1)]
    assert tiles_for_size(0) == []


def test_hash_tiles_and_bundles_round_trip():
    entries = [b"", b"a", b"\x00" * 65535]
    assert decode_entry_bundle(encode_entry_bundle(entries), expected=3) == entries
    with pytest.raises(TileError, match="65535"):
        encode_entry_bundle([b"x" * 65536])
    with pytest.raises(TileError, match="expected 4"):
        decode_entry_bundle(encode_entry_bundle(entries), expected=4)
    hashes = [bytes([i]) * 32 for i in range(5)]
    assert decode_hash_tile(encode_hash_tile(hashes), 5) == hashes
    with pytest.raises(TileError, match="expected 192"):
        decode_hash_tile(encode_hash_tile(hashes), 6)


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=300))
def test_fuzzed_bundles_raise_only_tile_error(data):
    with contextlib.suppress(TileError):
        assert encode_entry_bundle(decode_entry_bundle(data)) == data


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(st.sampled_from("tile/entrisx0123456789.p"), max_size=30))
def test_fuzzed_paths_raise_only_tile_error(path):
    with contextlib.suppress(TileError):
        level, index, width = parse_tile_path(path)
        assert path in (tile_path(level, index, width) if level is not None else "", entries_path(index, width))


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 512, 600, 65536 + 3])
def test_written_tiles_audit_clean_and_serve_every_subtree(tmp_path, size):
    entries = make_entries(size)
    tree = MerkleTree.from_entries(entries)
    write_tiles(tmp_path, entries)
    reader = DirectoryTileReader(tmp_path)
    report = audit_tiles(reader, size, tree.root(), jobs=1)
    assert report.ok, report.problems
    assert report.leaves_checked == size
    hashes = TileHashes(reader, size)
    for level in range(size.bit_length()):
        for index in {0, (size >> level) - 1}:
            if (index + 1) << level <= size and index >= 0:
                assert hashes[(level, index)] == tree.subtrees[(level, index)]


def test_audit_with_worker_processes_matches(tmp_path):
    entries = make_entries(20_000)
    tree = MerkleTree.from_entries(entries)
    write_tiles(tmp_path, entries)
    report = audit_tiles(DirectoryTileReader(tmp_path), 20_000, tree.root(), jobs=2)
    assert report.ok
    assert report.leaves_checked == 20_000


def test_a_vanished_partial_tile_falls_back_to_the_full_one(tmp_path):
    entries = make_entries(300)
    write_tiles(tmp_path, entries)
    tree = MerkleTree.from_entries(entries)
    write_tiles(tmp_path, entries[:256] + entries[256:300])
    # the log grew to 512: full tiles appear, partial ones are pruned
    big = make_entries(512)
    big[:300] = entries
    write_tiles(tmp_path, big)
    for path in ["tile/0/001.p/44", "tile/entries/001.p/44"]:
        (tmp_path / path).unlink()
    reader = DirectoryTileReader(tmp_path)
    assert read_tile(reader, 0, 1, 44)[1] == 256
    assert audit_tiles(reader, 300, tree.root(), jobs=1).ok


@pytest.fixture
def http_log(tmp_path):
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # stdlib signature
        pass


def test_the_http_reader_reads_a_served_tile_tree(http_log):
    directory, url = http_log
    entries = make_entries(700)
    write_tiles(directory, entries, "note\n")
    reader = HttpTileReader(url)
    assert reader.read_checkpoint() == b"note\n"
    assert audit_tiles(reader, 700, MerkleTree.from_entries(entries).root(), jobs=1).ok
    with pytest.raises(TileNotFound):
        reader.read("tile/0/999")
    with pytest.raises(TileError, match="http"):
        HttpTileReader("ftp://example.org/")


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=300), st.integers(1, 10))
def test_the_audit_bundle_decoder_agrees_with_the_reference_decoder(data, width):
    from custodywatch_log.audit import _hash_bundle
    from custodywatch_log.merkle import leaf_hash

    try:
        expected = [leaf_hash(e) for e in decode_entry_bundle(data)]
    except TileError:
        with pytest.raises(TileError):
            _hash_bundle(data, 0, "tile/entries/000")
    else:
        assert _hash_bundle(data, 0, "tile/entries/000") == expected
    with contextlib.suppress(TileError):
        assert len(decode_hash_tile(data, width)) == width
