"""What a segment's picture shows, from a sample of its frames (PyAV decodes, NumPy measures).

The verdicts the manifest carries (``picture``): ``ok``; ``black`` (nearly every frame dark and
uniform: the camera was switched off or unplugged behind the encoder); ``frozen`` (the picture
does not change at all: a still image fed instead of the camera); ``covered`` (a textured
picture that turns uniform part-way, or is uniform throughout: a lens covered or sprayed);
``unreadable`` (fewer than two frames decode: a truncated or damaged file).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np

BLACK_MEAN, BLACK_STD = 24.0, 6.0  # luma 0-255; limited-range black is 16
FLAT_STD = 6.0
FROZEN_DIFF = 0.3  # median of the mean absolute luma differences between sampled frames
FROZEN_MAX_DIFF = 2.0
MAX_SAMPLES = 24


def sample_frames(path: Path, max_samples: int = MAX_SAMPLES) -> list[np.ndarray]:
    """Up to ``max_samples`` decoded frames as grey (luma) arrays, spread over the file."""
    frames: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        total = stream.frames or 0
        step = max(1, total // max_samples) if total else 1
        for n, frame in enumerate(container.decode(stream)):
            if n % step == 0:
                frames.append(frame.to_ndarray(format="gray").astype(np.float32))
    if len(frames) > max_samples:
        picks = np.linspace(0, len(frames) - 1, max_samples).round().astype(int)
        frames = [frames[i] for i in picks]
    return frames


def judge(frames: list[np.ndarray]) -> str:
    if len(frames) < 2:
        return "unreadable"  # a segment is seconds of video; one frame or none is a damaged file
    means = np.array([f.mean() for f in frames])
    stds = np.array([f.std() for f in frames])
    black = (means < BLACK_MEAN) & (stds < BLACK_STD)
    flat = stds < FLAT_STD
    if black.mean() >= 0.8:
        return "black"
    textured = ~flat
    if flat.mean() >= 0.8:
        return "covered"
    if textured.any():
        first = int(np.argmax(textured))
        tail = flat[first:]
        # Textured, then uniform to the end: something came over the lens.
        if tail[-1] and tail.mean() >= 0.25 and flat[-max(1, len(flat) // 4):].all():
            return "covered"
    if len(frames) >= 3:
        diffs = [float(np.abs(a - b).mean()) for a, b in itertools.pairwise(frames)]
        # Compression leaves small differences at key frames; a live camera's noise alone exceeds them.
        if float(np.median(diffs)) < FROZEN_DIFF and max(diffs) < FROZEN_MAX_DIFF:
            return "frozen"
    return "ok"


def analyse(path: Path) -> str:
    """The picture verdict of one segment file (see the module docstring)."""
    try:
        return judge(sample_frames(path))
    except (av.error.FFmpegError, IndexError, ValueError, OSError):
        return "unreadable"


def probe(path: Path) -> tuple[str, int, int, float | None]:
    """(codec, width, height, duration in seconds or None); codec 'unreadable' when it cannot be read."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration:
                duration = container.duration / 1_000_000
            return (ctx.name or "unknown"), int(ctx.width or 1), int(ctx.height or 1), duration
    except (av.error.FFmpegError, IndexError, ValueError, OSError):
        return "unreadable", 1, 1, None
