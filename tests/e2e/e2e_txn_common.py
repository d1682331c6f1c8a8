"""Shared by the transaction e2e tests: they skip (77) while the agent does not advertise the
transaction APIs in ApiVersions (nothing is advertised until the handlers work end to end)."""

import os
import sys

from agent_fixture import SKIP
from kafka_wire import Reader, connect, read_response, request

END_TXN = 26


def advertised_apis(port):
    """{api_key: (min, max)} from an ApiVersions v0 request."""
    sock = connect(port)
    try:
        sock.sendall(request(18, 0, 1))
        r = Reader(read_response(sock))
        r.take(">i")  # correlation id
        if r.take(">h") != 0:
            return {}
        apis = {}
        for _ in range(r.take(">i")):
            key, low, high = r.take(">hhh")
            apis[key] = (low, high)
        return apis
    finally:
        sock.close()


def skip_unless_transactions(agent):
    """Exits with SKIP when EndTxn is not advertised (the caller's cleanup stops the agent).
    SLUICE_E2E_TXN_FORCE=1 runs the test anyway (while the handlers are being built)."""
    if os.environ.get("SLUICE_E2E_TXN_FORCE") == "1":
        return
    if END_TXN not in advertised_apis(agent.kafka_port):
        print("SKIP: the agent does not advertise the transaction APIs (EndTxn) yet")
        sys.stdout.flush()
        sys.exit(SKIP)
