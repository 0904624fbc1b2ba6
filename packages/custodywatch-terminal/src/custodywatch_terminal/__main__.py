"""The ``custodywatch-terminal`` command.

    custodywatch-terminal init --server https://oversight.example --facility LA-155/1   # keys; prints the public halves
    custodywatch-terminal configure --setup setup.json [--routing-list routing.json]   # after register_terminal
    custodywatch-terminal run [--kiosk-port 8088] [--no-kiosk]                        # sender + kiosk
    custodywatch-terminal status

The state directory is ``--state`` or ``$CUSTODYWATCH_TERMINAL_STATE`` (default
``/var/lib/custodywatch-terminal``). Nothing printed here or logged by the agent holds a
complaint, a name or a receipt code.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from custodywatch_protocol.routing import RoutingError
from custodywatch_terminal.config import ConfigError
from custodywatch_terminal.device import DeviceKeyError, public_hex
from custodywatch_terminal.install import configure, create

DEFAULT_STATE = "/var/lib/custodywatch-terminal"


def _state(args: argparse.Namespace) -> Path:
    return Path(args.state or os.environ.get("CUSTODYWATCH_TERMINAL_STATE") or DEFAULT_STATE)


def _init(args: argparse.Namespace) -> int:
    state = _state(args)
    keys = create(state, server=args.server, facility=args.facility)
    device, transport = public_hex(keys.device), public_hex(keys.transport)
    print(f"Keys created in {state}.")
    print(f"device key (Ed25519):    {device}")
    print(f"transport key (X25519):  {transport}")
    print("Register the terminal on the server, then give its output to `custodywatch-terminal configure --setup`:")
    print(f"  manage.py register_terminal --facility {args.facility} --label \"...\" "
          f"--device-key {device} --transport-key {transport} > setup.json")
    return 0


def _read_routing_list(path: str) -> tuple[bytes, bytes]:
    """A routing list file: JSON {"body": base64, "sig": base64}, as the oversight body publishes it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return base64.b64decode(data["body"], validate=True), base64.b64decode(data["sig"], validate=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError("routing-list", f"{path} is not a routing list file ({exc})") from None


def _configure(args: argparse.Namespace) -> int:
    state = _state(args)
    try:
        setup = json.loads(Path(args.setup).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError("setup", f"{args.setup} is not the JSON register_terminal printed ({exc})") from None
    if not isinstance(setup, dict):
        raise ConfigError("setup", "the setup is a JSON object")
    routing = _read_routing_list(args.routing_list) if args.routing_list else None
    config = configure(state, setup, routing_list=routing)
    print(f"Terminal {config.terminal_id} of facility {config.facility} will send to {config.server} "
          f"every {config.schedule_seconds:g} s.")
    if routing is None:
        print("No routing list yet: the terminal takes complaints once the server has sent it one.")
    return 0


def _agent(args: argparse.Namespace) -> Any:
    from custodywatch_terminal.agent import Agent

    return Agent(_state(args))


def _print_status(agent: Any) -> None:
    status = agent.status()
    print(f"state:             {status.state.value}")
    print(f"waiting:           {status.waiting} (complaints and messages not yet acknowledged)")
    print(f"last contact:      {status.last_contact.isoformat() if status.last_contact else 'none since start'}")
    if status.routing_version is None:
        print("routing list:      none")
    else:
        expired = " (EXPIRED: still used, ask the server for a new one)" if status.routing_expired else ""
        print(f"routing list:      version {status.routing_version}, "
              f"expires {status.routing_expires_at:%Y-%m-%d %H:%M} UTC{expired}")
    if status.refused:
        print(f"refused:           record {status.refused.get('seq')}: {status.refused.get('field')} "
              f"({status.refused.get('code')}): {status.refused.get('error')}")
    problems = agent.outbox.integrity()
    print(f"outbox:            {'; '.join(problems) if problems else 'intact'}")


def _status(args: argparse.Namespace) -> int:
    agent = _agent(args)
    try:
        _print_status(agent)
    finally:
        agent.close()
    return 0


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # systemd's stop: leave as on Ctrl-C, closing the outbox


def _run(args: argparse.Namespace) -> int:
    agent = _agent(args)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    agent.start()
    try:
        if args.no_kiosk:
            agent.wait()
        else:
            try:
                from custodywatch_terminal.kiosk.server import serve
            except ImportError:
                print("the kiosk is not installed; running the sender only", file=sys.stderr)
                agent.wait()
            else:
                print(f"kiosk on http://127.0.0.1:{args.kiosk_port}/", flush=True)
                serve(agent, port=args.kiosk_port)
    except KeyboardInterrupt:
        pass
    finally:
        agent.close()
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="custodywatch-terminal",
                                  description="The CustodyWatch complaint terminal agent.")
    top.add_argument("--state", help=f"state directory (default $CUSTODYWATCH_TERMINAL_STATE or {DEFAULT_STATE})")
    commands = top.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="create the terminal's keys and print their public halves")
    init.add_argument("--server", required=True, help="the oversight server's address (https://...)")
    init.add_argument("--facility", required=True, help="the facility's institution code")
    init.set_defaults(handler=_init)
    conf = commands.add_parser("configure", help="take the setup the server printed when it registered the terminal")
    conf.add_argument("--setup", required=True, help="the JSON file register_terminal printed")
    conf.add_argument("--routing-list", help='a signed routing list file {"body": base64, "sig": base64}')
    conf.set_defaults(handler=_configure)
    run = commands.add_parser("run", help="send on the schedule and serve the kiosk on localhost")
    run.add_argument("--kiosk-port", type=int, default=8088)
    run.add_argument("--no-kiosk", action="store_true", help="run the sender only")
    run.set_defaults(handler=_run)
    stat = commands.add_parser("status", help="what waits in the outbox and how the routing list stands")
    stat.set_defaults(handler=_status)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except (ConfigError, DeviceKeyError, RoutingError) as exc:
        print(f"custodywatch-terminal: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
