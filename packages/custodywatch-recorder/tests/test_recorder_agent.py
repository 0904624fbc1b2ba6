"""The recorder agent against the real server: segments flow in, and a SIGKILL loses nothing."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from footage_support import needs_ffmpeg

from custodywatch_protocol import recorder as rp
from custodywatch_recorder import camera, keys
from custodywatch_recorder.agent import Agent, Config
from facilities.factories import FacilityFactory
from video import services
from video.models import Segment, TamperEvent, TamperKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(tmp_path, transactional_db):
    facility = FacilityFactory(code="UG-157/3")
    key_file = tmp_path / "nvr.key"
    recorder = services.register_recorder(facility=facility, code="nvr-1", public_key=keys.write_key(key_file),
                                          by=None)
    services.register_camera(recorder=recorder, code="cam-1", zone="corridor", by=None)
    (tmp_path / "cam-1").mkdir()
    return tmp_path, key_file


def write_segments(directory: Path, count: int, start: int = 0) -> list[Path]:
    paths = []
    for i in range(start, start + count):
        path = directory / f"seg_{i:05d}.ts"
        path.write_bytes(f"segment {i} ".encode() * 100)
        paths.append(path)
    return paths


def agent_for(site, live_server) -> Agent:
    tmp_path, key_file = site
    return Agent(Config(recorder="nvr-1", key=keys.read_key(key_file), server=live_server.url,
                        cameras={"cam-1": tmp_path / "cam-1"}, state=tmp_path / "state.sqlite3", analyse=False))


def test_closed_segments_reach_the_server_chained_and_the_outbox_empties(site, live_server):
    tmp_path, _ = site
    files = write_segments(tmp_path / "cam-1", 3)
    agent = agent_for(site, live_server)
    agent.scan()  # the newest file may still be written: it waits
    assert agent.outbox.count() == 2
    agent.run(once=True)
    assert agent.outbox.count() == 0
    stored = list(Segment.objects.order_by("seq").values_list("seq", "sha256"))
    assert stored == [(i, rp.sha256_file(str(p))[0]) for i, p in enumerate(files)]
    assert not TamperEvent.objects.exists()

    files[1].unlink()  # footage gone from the recorder long before its retention ends
    agent.inventory()
    agent.deliver()
    event = TamperEvent.objects.get()
    assert (event.kind, event.camera.code) == (TamperKind.MISSING_FROM_INVENTORY, "cam-1")


def run_agent(site, live_server, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    tmp_path, key_file = site
    command = [sys.executable, "-m", "custodywatch_recorder", "run", "--recorder", "nvr-1", "--key-file",
               str(key_file), "--server", live_server.url, "--camera", f"cam-1={tmp_path / 'cam-1'}",
               "--state", str(tmp_path / "state.sqlite3"), "--no-analyse", "--once", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60,  # noqa: S603
                          env={**os.environ, **(env or {})})


@pytest.mark.sqlite_only
def test_a_recorder_killed_after_its_upload_loses_and_duplicates_nothing(site, live_server):
    tmp_path, _ = site
    files = write_segments(tmp_path / "cam-1", 5)
    killed = run_agent(site, live_server, "--batch", "2", env={"CUSTODYWATCH_RECORDER_FAULT": "after_post"})
    assert killed.returncode == -signal.SIGKILL
    # The server took the first batch, the agent died before it could forget it.
    assert Segment.objects.count() == 2
    write_segments(tmp_path / "cam-1", 1, start=5)
    again = run_agent(site, live_server, "--batch", "2")
    assert again.returncode == 0, again.stderr
    stored = list(Segment.objects.order_by("seq").values_list("seq", "sha256"))
    assert stored == [(i, rp.sha256_file(str(p))[0]) for i, p in enumerate(sorted((tmp_path / "cam-1").iterdir()))]
    assert not TamperEvent.objects.exists()
    assert len(files) + 1 == len(stored)


@needs_ffmpeg
@pytest.mark.sqlite_only
def test_a_simulated_camera_writing_real_video_is_described_and_delivered(site, live_server):
    tmp_path, _ = site
    camera.record(tmp_path / "cam-1", segment_time=1, duration=3, size="64x48")
    agent = agent_for(site, live_server)
    agent.config.analyse = True
    agent.run(once=True)
    segments = list(Segment.objects.order_by("seq"))
    assert len(segments) >= 3
    manifests = [rp.parse_message(bytes(s.body)) for s in segments]
    assert {(m.codec, m.width, m.height, m.container) for m in manifests} == {("h264", 64, 48, "mpegts")}
    assert {m.picture for m in manifests} == {"ok"}
    assert all(later.prev == earlier.sha256 for earlier, later in itertools.pairwise(manifests))
