"""The peer: benchmark (a) — M/M/10 at rho = 0.9 — written in SimPy.

What a capacity planner would otherwise reach for: the textbook SimPy
model, a Resource with 10 servers and one process per request. Prints one
JSON line: requests, mean response time [ms], wall time [s] and events/s
counted as outage-sim counts them (an arrival and a departure per request).

    python3 benches/peers/simpy_mmc.py [REQUESTS] [SEED]

`cargo bench --bench performance` runs it when python3 and simpy are
installed; CI never does.
"""

import json
import random
import sys
import time

import simpy

SERVERS = 10
ARRIVAL_RATE = 900.0  # per second
SERVICE_RATE = 100.0  # per second and server


def main():
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    done = {"n": 0, "total": 0.0}

    def request(env):
        arrived = env.now
        with servers.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(SERVICE_RATE))
        done["n"] += 1
        done["total"] += env.now - arrived

    def arrivals(env):
        for _ in range(requests):
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(request(env))

    start = time.perf_counter()
    env.process(arrivals(env))
    env.run()
    wall = time.perf_counter() - start
    print(json.dumps({
        "requests": done["n"],
        "mean_ms": 1000.0 * done["total"] / done["n"],
        "wall_s": wall,
        "events_per_s": 2 * done["n"] / wall,
    }))


if __name__ == "__main__":
    main()
