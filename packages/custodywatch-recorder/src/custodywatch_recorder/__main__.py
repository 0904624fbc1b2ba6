"""custodywatch-recorder: the agent beside a video recorder (NVR).

    custodywatch-recorder generate-key --out recorder.key        # prints the public key to register
    custodywatch-recorder run --recorder nvr-1 --key-file recorder.key --server https://cw.example \\
        --camera cam-1=/var/nvr/cam1 --camera cam-2=/var/nvr/cam2 --state /var/lib/cw-recorder/state.sqlite3
    custodywatch-recorder simulate-camera --out /tmp/cam1 --segment-time 10   # ffmpeg test pattern
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path

from custodywatch_recorder import camera, keys
from custodywatch_recorder.agent import Agent, Config


def _camera(value: str) -> tuple[str, Path]:
    name, sep, directory = value.partition("=")
    if not sep or not name or not directory:
        raise argparse.ArgumentTypeError("expected CAMERA_ID=DIRECTORY")
    return name, Path(directory)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="custodywatch-recorder", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate-key", help="make the recorder's Ed25519 key; prints the public key")
    g.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("run", help="watch, describe and deliver")
    r.add_argument("--recorder", required=True)
    r.add_argument("--key-file", type=Path, required=True)
    r.add_argument("--server", required=True)
    r.add_argument("--camera", type=_camera, action="append", required=True, metavar="ID=DIR")
    r.add_argument("--state", type=Path, required=True, help="the SQLite file of the outbox")
    r.add_argument("--settle", type=float, default=5.0, help="seconds a last file must stay unchanged")
    r.add_argument("--interval", type=float, default=2.0)
    r.add_argument("--heartbeat-every", type=float, default=30.0)
    r.add_argument("--inventory-every", type=float, default=600.0)
    r.add_argument("--batch", type=int, default=500)
    r.add_argument("--no-analyse", action="store_true", help="do not sample frames")
    r.add_argument("--once", action="store_true", help="describe every file present, deliver, and exit")
    s = sub.add_parser("simulate-camera", help="ffmpeg writing a live test pattern into segments")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--segment-time", type=float, default=10.0)
    s.add_argument("--size", default="320x240")
    s.add_argument("--rate", type=int, default=10)
    s.add_argument("--duration", type=float)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.command == "generate-key":
        print(keys.write_key(args.out))
        return 0
    if args.command == "simulate-camera":
        process = camera.start(args.out, segment_time=args.segment_time, size=args.size, rate=args.rate,
                               duration=args.duration)
        return process.wait()
    config = Config(recorder=args.recorder, key=keys.read_key(args.key_file), server=args.server,
                    cameras=dict(args.camera), state=args.state, settle=args.settle, batch=args.batch,
                    analyse=not args.no_analyse)
    agent = Agent(config)
    with contextlib.suppress(KeyboardInterrupt):
        agent.run(interval=args.interval, heartbeat_every=args.heartbeat_every,
                  inventory_every=args.inventory_every, once=args.once)
    pending = agent.outbox.count()
    if args.once and pending:
        print(f"{pending} messages not delivered; they wait in {args.state}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
