"""A simulated camera: ffmpeg writing a live test pattern into segment files, as an NVR does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def ffmpeg_command(out: Path, *, segment_time: float = 10.0, size: str = "320x240", rate: int = 10,
                   duration: float | None = None, container: str = "mpegts", realtime: bool = True) -> list[str]:
    """The ffmpeg command line: ``testsrc`` with a clock overlay encoded to H.264, cut into
    segments of ``segment_time`` seconds named ``seg_00000.ts`` (or ``.mp4``) in ``out``."""
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    suffix = "ts" if container == "mpegts" else "mp4"
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin"]
    if realtime:
        command.append("-re")
    command += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}"]
    if duration is not None:
        command += ["-t", str(duration)]
    command += ["-vf", "noise=alls=20:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-g", str(rate), "-f", "segment", "-segment_time", str(segment_time), "-reset_timestamps", "1",
                "-segment_format", container, str(out / f"seg_%05d.{suffix}")]
    return command


def start(out: Path, **options) -> subprocess.Popen:
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(ffmpeg_command(out, **options))  # noqa: S603


def record(out: Path, **options) -> None:
    """Write a finite recording (``duration`` seconds) as fast as ffmpeg can, then return."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(ffmpeg_command(out, realtime=False, **options), check=True)  # noqa: S603
