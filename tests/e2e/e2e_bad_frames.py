#!/usr/bin/python3
"""End-to-end: malformed Kafka frames on raw sockets never take the agent down.

Each bad input goes on its own connection; the agent must close it (or answer with an error),
while a separate, long-lived connection keeps getting correct ApiVersions and Metadata answers and
the process stays alive.
"""

import random
import socket
import struct
import sys

import kafka_wire
from agent_fixture import Agent, check
from kafka_wire import Reader, read_response, request

API_PRODUCE, API_FETCH, API_METADATA, API_API_VERSIONS = 0, 1, 3, 18
UNSUPPORTED_VERSION = 35


def parse_api_versions_v0(body):
    """correlation id, error code, {api_key: (min, max)} from a v0-shaped answer."""
    r = Reader(body)
    correlation_id, error_code, count = r.take(">i"), r.take(">h"), r.take(">i")
    check(0 <= count < 1000, f"ApiVersions array length {count}")
    ranges = {}
    for _ in range(count):
        key, lo, hi = r.take(">hhh")
        ranges[key] = (lo, hi)
    return correlation_id, error_code, ranges


def connect(agent):
    return kafka_wire.connect(agent.kafka_port)


class HealthyClient:
    """The connection that must keep working while others misbehave."""

    def __init__(self, agent):
        self.agent, self.sock, self.correlation_id = agent, connect(agent), 1000

    def check_alive(self, after):
        self.correlation_id += 1
        self.sock.sendall(request(API_API_VERSIONS, 0, self.correlation_id))
        cid, error, ranges = parse_api_versions_v0(read_response(self.sock))
        check(cid == self.correlation_id and error == 0,
              f"after {after}: ApiVersions correlation {cid} error {error}")
        check(API_METADATA in ranges and API_PRODUCE in ranges and API_FETCH in ranges,
              f"after {after}: ApiVersions lacks Produce/Fetch/Metadata: {ranges}")

        self.correlation_id += 1
        self.sock.sendall(request(API_METADATA, 1, self.correlation_id, struct.pack(">i", -1)))
        r = Reader(read_response(self.sock))
        check(r.take(">i") == self.correlation_id, f"after {after}: Metadata correlation id")
        brokers = []
        for _ in range(r.take(">i")):
            node_id, host, port = r.take(">i"), r.string(), r.take(">i")
            r.string()  # rack
            brokers.append((node_id, host, port))
        check(("127.0.0.1", self.agent.kafka_port) in [(h, p) for _, h, p in brokers],
              f"after {after}: Metadata brokers {brokers} lack 127.0.0.1:{self.agent.kafka_port}")
        check(self.agent.alive(), f"agent died after {after}")


def expect_closed(agent, payload, what, allow_error_response=False):
    """Sends payload on a fresh connection and waits for the agent to close it."""
    sock = connect(agent)
    sock.settimeout(10)
    try:
        sock.sendall(payload)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        check(not data or allow_error_response, f"{what}: unexpected answer {data[:64]!r}")
    except (ConnectionResetError, BrokenPipeError):
        pass  # closed with unread data in its buffer: a reset is a close too
    except socket.timeout:
        raise AssertionError(f"{what}: connection still open after 10 s")
    finally:
        sock.close()


def main(agent):
    healthy = HealthyClient(agent)
    healthy.check_alive("connecting")

    # A truncated frame, then the client goes away mid-request.
    sock = connect(agent)
    sock.sendall(struct.pack(">i", 100) + request(API_API_VERSIONS, 0, 1)[4:14])
    sock.close()
    healthy.check_alive("a truncated frame")

    expect_closed(agent, struct.pack(">I", 0x7FFFFFFF) + b"\0" * 64, "a 2 GiB length prefix")
    healthy.check_alive("a 2 GiB length prefix")
    expect_closed(agent, struct.pack(">i", -1) + b"\0" * 16, "a negative length prefix")
    healthy.check_alive("a negative length prefix")
    expect_closed(agent, struct.pack(">i", 0), "a zero-length frame")
    healthy.check_alive("a zero-length frame")

    rng = random.Random(20261126)
    garbage = bytes([0xFF]) + bytes(rng.getrandbits(8) for _ in range(4095))
    expect_closed(agent, garbage, "random garbage")
    healthy.check_alive("random garbage")

    # A frame of plausible size whose content is random: unknown API key, nonsense header.
    body = bytes([0x7A, 0xBC]) + bytes(rng.getrandbits(8) for _ in range(62))
    expect_closed(agent, struct.pack(">i", len(body)) + body, "a random 64-byte frame",
                  allow_error_response=True)
    healthy.check_alive("a random 64-byte frame")

    # A header whose client id claims more bytes than the frame holds.
    bad_header = struct.pack(">hhih", API_METADATA, 1, 7, 500) + b"abc"
    expect_closed(agent, struct.pack(">i", len(bad_header)) + bad_header,
                  "a client id longer than its frame", allow_error_response=True)
    healthy.check_alive("a client id longer than its frame")

    # An unknown API key with a valid header: closed, or an error answer to correlation id 42.
    sock = connect(agent)
    sock.settimeout(10)
    sock.sendall(request(9999, 0, 42))
    try:
        body = read_response(sock)
        check(struct.unpack_from(">i", body)[0] == 42, "unknown API key: wrong correlation id")
    except (ConnectionError, ConnectionResetError):
        pass
    sock.close()
    healthy.check_alive("an unknown API key")

    # KIP-511: ApiVersions of an unknown version -> error 35 and the broker's ranges, v0 shape.
    sock = connect(agent)
    sock.sendall(request(API_API_VERSIONS, 99, 77))
    cid, error, ranges = parse_api_versions_v0(read_response(sock))
    check(cid == 77, f"ApiVersions v99: correlation id {cid}")
    check(error == UNSUPPORTED_VERSION, f"ApiVersions v99: error {error}, want 35")
    check(API_API_VERSIONS in ranges and ranges[API_API_VERSIONS][1] >= 3,
          f"ApiVersions v99: broker ranges {ranges} lack ApiVersions up to v3")
    # The same connection can then retry with a supported version.
    sock.sendall(request(API_API_VERSIONS, 0, 78))
    cid, error, _ = parse_api_versions_v0(read_response(sock))
    check((cid, error) == (78, 0), f"retry after error 35: correlation {cid} error {error}")
    sock.close()
    healthy.check_alive("an unsupported ApiVersions version")

    # Many connections opened and dropped at once.
    socks = [connect(agent) for _ in range(50)]
    for i, s in enumerate(socks):
        s.sendall(request(API_API_VERSIONS, 0, i)[: 3 + i % 20])
        s.close()
    healthy.check_alive("50 abandoned connections")
    healthy.sock.close()
    check(agent.alive(), "agent process died")


if __name__ == "__main__":
    agent = Agent()
    try:
        agent.start()
        main(agent)
        code = agent.stop()
        check(code == 0, f"agent exit code after SIGTERM: {code}")
        print("PASS e2e_bad_frames")
    except BaseException:
        print(agent.log_tail(), file=sys.stderr)
        raise
    finally:
        agent.cleanup()
