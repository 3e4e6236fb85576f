"""`minted-lab sandbox`: serve the emulator in the foreground and print its URL and credentials."""

from __future__ import annotations

import argparse
import sys

from minted_lab.sandbox.faults import parse_spec
from minted_lab.sandbox.profiles import PROFILES


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox options to the subcommand's parser."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8750, help="port (default 8750; 0 picks a free one)")
    parser.add_argument("--seed", type=int, default=7, help="seed of prices, ids and history (default 7)")
    parser.add_argument("--history", type=int, default=5000, help="seeded past orders (default 5000)")
    parser.add_argument(
        "--clock",
        choices=("running", "frozen"),
        default="running",
        help="sandbox time follows the wall clock (running, default) or stands still",
    )
    parser.add_argument("--digest-algorithm", choices=("SHA-256", "MD5"), default="SHA-256")
    parser.add_argument(
        "--rate-limit",
        metavar="N/SECONDS",
        default=None,
        help="per-user limit, e.g. 20/1 for 20 requests per second (default off)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="close a connection that has not sent a whole request within SECONDS (default 10)",
    )
    parser.add_argument(
        "--profile",
        choices=tuple(PROFILES),
        default="default",
        help="default: our reading of the docs; documented: the docs' own examples where they differ "
        "(see minted_lab/sandbox/profiles.py)",
    )
    parser.add_argument(
        "--no-error-fields",
        dest="error_fields",
        action="store_false",
        default=None,
        help="answer 422s with the message only, without the `errors` field map (the documented profile's default)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ENDPOINT:KIND[:TIMES][:K=V,...]",
        help="inject a fault, e.g. sell:drop_after_commit:1 or '*:status:3:status=503' (repeatable)",
    )


def _rate_limit(value: str | None) -> tuple[int, float] | None:
    if not value:
        return None
    count, _, seconds = value.partition("/")
    return int(count), float(seconds or 1)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C."""
    from minted_lab.sandbox.sandbox import Sandbox
    from minted_lab.sandbox.server import make_server, make_socket

    try:
        faults = [parse_spec(spec) for spec in args.fault]
        sb = Sandbox(
            seed=args.seed,
            history=args.history,
            clock=args.clock,
            host=args.host,
            port=args.port,
            rate_limit=_rate_limit(args.rate_limit),
            digest_algorithm=args.digest_algorithm,
            request_timeout=args.request_timeout,
            error_fields=args.error_fields,
            profile=args.profile,
        )
        for endpoint, kind, times, params in faults:
            sb.faults.inject(endpoint, kind, times, **params)
        sock = make_socket(args.host, args.port)
    except (ValueError, OSError) as exc:
        print(f"minted-lab sandbox: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    profile = "" if sb.profile.name == "default" else f"profile {sb.profile.name}, "
    print(
        f"Minted Connect sandbox on http://{host}:{port}  ({profile}seed {args.seed}, {args.history} past orders, "
        f"Digest {args.digest_algorithm})"
    )
    print(f"  trader:    {sb.username} / {sb.password}")
    print(f"  read-only: {sb.readonly_username} / {sb.readonly_password}")
    for fault in sb.faults.pending():
        print(f"  fault:     {fault.endpoint}:{fault.kind} x{fault.remaining} {fault.params or ''}".rstrip())
    print("Ctrl-C stops it.", flush=True)
    server = make_server(sb.app, log_level="info", configure_logging=True, request_timeout=sb.request_timeout)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0
