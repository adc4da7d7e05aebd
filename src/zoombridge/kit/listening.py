"""Where a server listens: a port given on the command line, and a socket bound before the
server says it started (a port in use is then a plain error, not a traceback after "startup
complete")."""

from __future__ import annotations

import argparse
import socket


class ListenError(Exception):
    """The address cannot be listened on; the message says why and what to do."""


def port_number(text: str) -> int:
    """An argparse `type`: a TCP port, 1 to 65535 (0: any free port)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: use 1 to 65535 (0: any free one)")
    return value


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port (not yet listening), or ListenError saying why."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise ListenError(
            f"cannot listen on {host}:{port} ({reason}); choose another --port"
        ) from None
    return sock
