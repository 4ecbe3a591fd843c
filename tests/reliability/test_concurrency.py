"""One Integration shared by 16 threads running a mix of commands (contract §6): every envelope
equals the same command run alone, one login in all, and with tokens that expire mid-run one
login per token lifetime, never a storm of re-logins."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

import pytest

from cisco_esa.integration import Integration
from esa_simulator import Simulator
from tests.conftest import FROZEN_NOW
from tests.reliability.matrix import DAY, LAST_HOUR, api_path, logins

THREADS = 16


def clock():
    return FROZEN_NOW


def read_jobs(world) -> list[tuple[str, dict]]:
    """Reads whose answers no release of an old quarantine message can change."""
    phish, amp, dlp, url = (world.pick_phishing_message(), world.pick_amp_message(), world.pick_dlp_message(),
                            world.pick_url_message())
    serial = world.serial_number()
    recent = sorted(q["mid"] for q in world.quarantine[-6:])
    return [
        ("search_messages", {**LAST_HOUR, "subject": "Password Reset"}),
        ("search_messages", {"start_time": "-3h", "end_time": "-1h"}),
        ("get_message_details", {"appliance_serial_number": phish["serialNumber"], "message_ids": [phish["mid"][0]]}),
        ("get_amp_details", {"appliance_serial_number": amp["serialNumber"], "message_ids": [amp["mid"][0], 999999]}),
        ("get_dlp_details", {"appliance_serial_number": dlp["serialNumber"], "message_ids": [dlp["mid"][0]]}),
        ("get_url_details", {"appliance_serial_number": url["serialNumber"], "message_ids": [url["mid"][0]]}),
        ("get_message_details", {"appliance_serial_number": serial, "message_ids": [amp["mid"][0], url["mid"][0]]}),
        ("search_spam_quarantine_messages", dict(LAST_HOUR)),
        ("get_spam_quarantine_message_details", {"quarantine_message_ids": recent[:3]}),
        ("search_list_entries", {"list_type": "Blocklist", "view_by": "Recipient"}),
        ("search_list_entries", {"list_type": "Safelist", "view_by": "Sender"}),
        ("get_report", dict(DAY)),
        ("get_report", {**DAY, "counter": "detected_spam"}),
        ("fetch_event", {"messages_source": "Message Tracking", **LAST_HOUR, "offset": 0, "limit": 20}),
        ("test_connection", {}),
    ]


def mixed_jobs(world) -> list[tuple[str, dict]]:
    """Three rounds of the reads, and releases of distinct old quarantine messages (outside every
    window read above) in between."""
    old = [q["mid"] for q in world.quarantine[:12]]
    releases = [("release_spam_quarantine_messages", {"quarantine_message_ids": [mid]}) for mid in old[:8]]
    releases.append(("release_spam_quarantine_messages", {"quarantine_message_ids": old[8:12]}))
    reads = read_jobs(world)
    jobs = reads * 3
    for i, job in enumerate(releases):
        jobs.insert(i * 5, job)
    return jobs


def run_alone(sim, jobs) -> list[dict]:
    integration = Integration(sim.connection(), clock=clock)
    return [integration.run(cmd, params) for cmd, params in jobs]


def request_counts(sim) -> Counter:
    return Counter((e["method"], api_path(e), e["query"], e["body"]) for e in sim.request_log)


def test_integration_sixteen_threads_mixed_commands_same_envelopes_one_login(sim):
    jobs = mixed_jobs(sim.world)
    released = [m for cmd, p in jobs if cmd.startswith("release") for m in p["quarantine_message_ids"]]
    assert len(set(released)) == len(released) == 12
    alone = run_alone(sim, jobs)
    assert {e["status"] for e in alone} == {"Successful", "Partially Successful"}
    alone_requests = request_counts(sim)

    sim.reset()  # the same seeded world again, releases undone
    assert set(released) <= sim.world.quarantine_mids()
    shared = Integration(sim.connection(), clock=clock)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        together = list(pool.map(lambda job: shared.run(*job), jobs))

    for job, got, want in zip(jobs, together, alone):
        assert got == want, job
    assert logins(sim) == 1
    # the same requests, each as many times: no retry, no duplicate write, no lost page
    assert request_counts(sim) == alone_requests
    assert not set(released) & sim.world.quarantine_mids()


def test_integration_sixteen_threads_tokens_expired_mid_run_one_relogin(sim):
    jobs = read_jobs(sim.world) * 6
    alone = run_alone(sim, jobs)
    sim.reset()
    shared = Integration(sim.connection(), clock=clock)
    results: dict[int, dict] = {}
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = {pool.submit(shared.run, *job): i for i, job in enumerate(jobs)}
        done = 0
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if done == THREADS:
                sim.expire_tokens()  # every token dies while the other threads are mid-flight
    assert [results[i] for i in range(len(jobs))] == alone
    stale = [e for e in sim.request_log if e["status"] == 401]
    # the expiry struck mid-run (some requests met it), and at most one per thread did
    assert 1 <= len(stale) <= THREADS
    assert logins(sim) == 2


@pytest.mark.parametrize("refresh_window", [0, 0.5], ids=["no-refresh", "refresh-header"])
def test_integration_sixteen_threads_short_token_lifetime_one_login_per_lifetime(refresh_window):
    lifetime, run_for = 1.0, 3.5
    with Simulator(appliance="esa", seed=1, now=FROZEN_NOW, tracking_count=300, quarantine_count=40,
                   token_lifetime=lifetime, refresh_window=refresh_window) as small:
        jobs = read_jobs(small.world)
        alone = run_alone(small, jobs)
        small.reset()
        shared = Integration(small.connection(), clock=clock)
        mismatches: list = []
        count = [0]
        lock = threading.Lock()
        started = time.monotonic()

        def worker(offset: int) -> None:
            i = offset
            while time.monotonic() - started < run_for:
                envelope = shared.run(*jobs[i % len(jobs)])
                if envelope != alone[i % len(jobs)]:
                    mismatches.append((jobs[i % len(jobs)], envelope["status"], envelope["error"]))
                with lock:
                    count[0] += 1
                i += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        assert mismatches == []
        assert count[0] > 4 * THREADS  # the run did keep every thread busy across several lifetimes
        made = logins(small)
        stale = sum(1 for e in small.request_log if e["status"] == 401)
        # n logins need (n - 1) lifetimes between the first and the last: never one per thread
        assert 1 <= made <= 1 + elapsed / lifetime, (made, elapsed)
        # each expiry costs each thread at most one 401 before the shared renewal
        assert stale <= THREADS * (made - 1)
        if refresh_window == 0:
            assert made >= 2  # the token did expire during the run and was renewed
        else:
            # the appliance's refreshed token (asyncos-api §1.2 B.4) is adopted: no re-login at all
            assert (made, stale) == (1, 0)
