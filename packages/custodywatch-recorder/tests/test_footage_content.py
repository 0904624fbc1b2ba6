"""Frame sampling on real (tiny, generated) video: black, frozen and covered footage is flagged."""

from __future__ import annotations

import pytest

from custodywatch_recorder import content


@pytest.mark.parametrize(("clip", "verdict"), [
    ("normal", "ok"), ("black", "black"), ("frozen", "frozen"), ("covered", "covered"), ("truncated", "unreadable"),
])
def test_each_kind_of_footage_gets_its_verdict(clips, clip, verdict):
    assert content.analyse(clips[clip]) == verdict


def test_probe_reads_codec_resolution_and_duration(clips):
    codec, width, height, duration = content.probe(clips["normal"])
    assert (codec, width, height) == ("h264", 64, 48)
    assert duration == pytest.approx(2.0, abs=0.2)


def test_a_file_that_is_not_video_is_unreadable(tmp_path):
    junk = tmp_path / "seg_00001.ts"
    junk.write_bytes(b"\x00" * 1000)
    assert content.analyse(junk) == "unreadable"
    assert content.probe(junk)[0] == "unreadable"
