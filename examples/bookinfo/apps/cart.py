#!/usr/bin/env python3
"""A cart service for the egress-gateway workshop: GET /cart lists the Redis list "cart" at
REDIS_ADDR:6379 (LRANGE over RESP, written out by hand: the standard library has no Redis client).
Listens on 0.0.0.0:9080."""
import json
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIS = (os.environ["REDIS_ADDR"], 6379)


def read_line(f):
    line = f.readline()
    if not line:
        raise OSError(f"Connection closed by foreign host ({REDIS[0]}:{REDIS[1]})")
    return line.rstrip(b"\r\n")


def lrange(key):
    command = [b"LRANGE", key.encode(), b"0", b"-1"]
    wire = b"*%d\r\n" % len(command) + b"".join(b"$%d\r\n%s\r\n" % (len(c), c) for c in command)
    with socket.create_connection(REDIS, timeout=5) as s, s.makefile("rb") as f:
        try:
            s.sendall(wire)
            head = read_line(f)
        except ConnectionResetError:
            # A peer that closes with our command unread resets instead: closed all the same.
            raise OSError(f"Connection closed by foreign host ({REDIS[0]}:{REDIS[1]}, reset)")
        if not head.startswith(b"*"):
            raise OSError(f"Redis answered {head.decode(errors='replace')}")
        items = []
        for _ in range(int(head[1:])):
            size = int(read_line(f)[1:])
            items.append(f.read(size + 2)[:size].decode())
        return items


class Cart(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            status, body = 200, {"items": lrange("cart")}
        except (OSError, ValueError) as e:
            status, body = 503, {"error": str(e)}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 9080), Cart).serve_forever()
