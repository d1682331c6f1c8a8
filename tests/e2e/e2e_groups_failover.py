#!/usr/bin/python3
"""End-to-end: partitions move when a consumer leaves cleanly (at once, through LeaveGroup) and
when a consumer process is SIGKILLed (after its 6 s session timeout), with confluent-kafka
consumers running as separate processes.
"""

import time

from agent_fixture import check, require_module, wait_until, run_with_agent

require_module("confluent_kafka")
from e2e_groups_common import (Worker, create_topic, produce,  # noqa: E402
                               wait_for_assignments)

TOPIC = "e2e-groups-failover"
GROUP = "failover-group"
PARTITIONS = 6


def run(agent):
    create_topic(agent.bootstrap, TOPIC, PARTITIONS)
    produce(agent.bootstrap, TOPIC, PARTITIONS, 0, 60)
    a = Worker(agent.bootstrap, GROUP, TOPIC, "a")
    b = Worker(agent.bootstrap, GROUP, TOPIC, "b")
    wait_for_assignments([a, b], PARTITIONS, 30, "a and b to share the topic")

    # Clean leave: b takes everything well before any session timeout could matter.
    left = time.monotonic()
    a.stop()
    wait_for_assignments([b], PARTITIONS, 10, "b to own all partitions after a left")
    moved = time.monotonic() - left
    print(f"clean leave: partitions moved in {moved:.1f}s")
    check(moved < 5, f"clean leave took {moved:.1f}s")

    c = Worker(agent.bootstrap, GROUP, TOPIC, "c")
    wait_for_assignments([b, c], PARTITIONS, 30, "b and c to share the topic")
    c_parts = c.assignment()

    # SIGKILL: no LeaveGroup; the coordinator notices when c's session expires.
    killed = time.monotonic()
    c.kill()
    wait_for_assignments([b], PARTITIONS, 25, "b to own all partitions after c was killed")
    moved = time.monotonic() - killed
    print(f"SIGKILL: partitions {sorted(c_parts)} moved in {moved:.1f}s (session 6 s)")
    check(4 <= moved < 15, f"partitions moved after {moved:.1f}s, want about the 6 s session")

    # b still consumes what is produced to partitions it took over.
    produce(agent.bootstrap, TOPIC, PARTITIONS, 60, 60)
    wanted = {f"v-{i}" for i in range(60, 120)}
    wait_until(lambda: wanted <= set(b.values()), 20, "b to consume the new messages")
    b.stop()


if __name__ == "__main__":
    run_with_agent("e2e_groups_failover", ["-groupInitialRebalanceDelay", "200ms"], run)
