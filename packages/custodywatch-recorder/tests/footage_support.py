"""Tiny real video files made once per test session with ffmpeg (64x48, 2 s, 10 frames/s)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed")

SOURCES = {
    "normal": ("testsrc=s=64x48:r=10:d=2", "noise=alls=40:allf=t"),
    "black": ("color=c=black:s=64x48:r=10:d=2", "null"),
    "frozen": ("testsrc=s=64x48:r=10:d=2", "loop=loop=-1:size=1:start=0,trim=duration=2"),
    "covered": ("testsrc=s=64x48:r=10:d=2",
                "noise=alls=40:allf=t,drawbox=x=0:y=0:w=iw:h=ih:color=0x303030@1:t=fill:enable='gte(t,1)'"),
}


def make_clip(out: Path, source: str, filters: str) -> Path:
    # The machine's ffmpeg with our own arguments.
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", source,  # noqa: S603
                    "-vf", filters, "-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-pix_fmt", "yuv420p",
                    str(out)], check=True)
    return out


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """normal noise, all black, a frozen frame, a sudden cover, and a truncated copy of the first."""
    if FFMPEG is None:
        pytest.skip("ffmpeg is not installed")
    directory = tmp_path_factory.mktemp("clips")
    made = {name: make_clip(directory / f"{name}.ts", *spec) for name, spec in SOURCES.items()}
    truncated = directory / "truncated.ts"
    truncated.write_bytes(made["normal"].read_bytes()[:3000])
    made["truncated"] = truncated
    return made
