#!/usr/bin/python3
"""End-to-end with librdkafka: the cooperative-sticky assignor (incremental rebalances keep the
partitions that do not move), and static membership (a restarted group.instance.id gets its old
partitions back without a rebalance: the other member sees no revocation).
"""

import time

from agent_fixture import check, require_module, run_with_agent

require_module("confluent_kafka")
from e2e_groups_common import Worker, create_topic, wait_for_assignments  # noqa: E402

PARTITIONS = 6


def cooperative(agent):
    topic, group = "e2e-groups-coop", "coop-group"
    create_topic(agent.bootstrap, topic, PARTITIONS)
    a = Worker(agent.bootstrap, group, topic, "a", strategy="cooperative-sticky")
    b = Worker(agent.bootstrap, group, topic, "b", strategy="cooperative-sticky")
    before = wait_for_assignments([a, b], PARTITIONS, 30, "a and b (cooperative) to share")
    mark = time.monotonic()
    c = Worker(agent.bootstrap, group, topic, "c", strategy="cooperative-sticky")
    after = wait_for_assignments([a, b, c], PARTITIONS, 30, "a, b and c (cooperative) to share")
    print("cooperative:", [sorted(s) for s in before], "->", [sorted(s) for s in after])
    for w, old, new in zip([a, b], before, after[:2]):
        check(new <= old, f"{w.name} gained partitions {new - old} when c joined")
        revoked = set().union(*[ps for t, kind, ps in w.events if kind == "REVOKE" and t > mark])
        check(revoked == old - new,
              f"{w.name} revoked {revoked}, but only {old - new} moved (not incremental)")
    for w in (a, b, c):
        w.stop()


def static_members(agent):
    topic, group = "e2e-groups-static", "static-group"
    create_topic(agent.bootstrap, topic, PARTITIONS)
    s1 = Worker(agent.bootstrap, group, topic, "s1", instance_id="instance-1", session_ms=10000)
    s2 = Worker(agent.bootstrap, group, topic, "s2", instance_id="instance-2", session_ms=10000)
    s1_parts, s2_parts = wait_for_assignments([s1, s2], PARTITIONS, 30, "static members")
    s2_events = len(s2.events)

    s1.kill()  # a crash: no LeaveGroup; the instance comes back within its session timeout
    s1b = Worker(agent.bootstrap, group, topic, "s1b", instance_id="instance-1",
                 session_ms=10000)
    wait_for_assignments([s1b, s2], PARTITIONS, 20, "restarted static member")
    check(s1b.assignment() == s1_parts,
          f"restarted instance got {s1b.assignment()}, had {s1_parts}")
    time.sleep(2)  # would be long enough for s2 to hear of a rebalance through its heartbeat
    check(len(s2.events) == s2_events,
          f"s2 saw a rebalance on a static restart: {s2.events[s2_events:]}")
    check(s2.assignment() == s2_parts, "s2's assignment changed")
    print("static: instance-1 came back with", sorted(s1_parts), "and s2 was undisturbed")
    s1b.kill()
    s2.kill()


if __name__ == "__main__":
    run_with_agent("e2e_groups_static_coop", ["-groupInitialRebalanceDelay", "200ms"], cooperative, static_members)
