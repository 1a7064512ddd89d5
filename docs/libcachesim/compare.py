#!/usr/bin/env python3
"""outage-sim's byte-sized cache against libCacheSim, request for request.

Generates a trace with sizes (Zipf keys, a lognormal size per key, reads
only), replays it through `outage-sim run` (one node sized in bytes, no
TTL, instant lookups and database, so every miss fills before the next
request) and through the `libcachesim` Python package, and prints the
hits each gets per eviction policy. Run outside CI:

    pip install libcachesim==0.3.5
    cargo build --release
    python3 docs/libcachesim/compare.py [--requests N] [--memory-mb M]

See docs/libcachesim.md for the results and what they mean.
"""
import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile

import libcachesim as lcs

POLICIES = {"lru": lcs.LRU, "fifo": lcs.FIFO, "sieve": lcs.Sieve, "s3fifo": lcs.S3FIFO, "lfu": lcs.LFU}


def trace(requests, keys, zipf_s, mean_bytes, cv, seed):
    rng = random.Random(seed)
    # A lognormal size per key: mean `mean_bytes`, coefficient of variation `cv`.
    import math
    sigma2 = math.log(1 + cv * cv)
    mu = math.log(mean_bytes) - sigma2 / 2
    size = [max(1, round(rng.lognormvariate(mu, math.sqrt(sigma2)))) for _ in range(keys)]
    weights = [(i + 1) ** -zipf_s for i in range(keys)]
    ids = rng.choices(range(keys), weights=weights, k=requests)
    return [(i, size[i]) for i in ids]


def outage_sim(binary, rows, keys, memory_mb, policy, folder):
    path = os.path.join(folder, "trace.csv")
    with open(path, "w") as f:
        f.write("t_s,key,op,size\n")
        for n, (key, size) in enumerate(rows):
            f.write(f"{(n + 1) * 1e-3:.3f},{key},get,{size}\n")
    model = os.path.join(folder, "model.toml")
    with open(model, "w") as f:
        f.write(f"""
[run]
duration_s = {len(rows) * 1e-3 + 1.0}
warmup_s = 0.0
window_s = 10.0
[workload]
keys = {keys}
read_fraction = 1.0
trace = "trace.csv"
[cache]
memory_mb = {memory_mb}
eviction = "{policy}"
invalidation = "ttl-only"
lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
[db]
servers = 1000
read = {{ dist = "deterministic", mean_ms = 0.0 }}
""")
    out = os.path.join(folder, f"out-{policy}")
    subprocess.run([binary, "run", model, "--out", out], check=True, capture_output=True)
    summary = next(csv.DictReader(open(os.path.join(out, "summary.csv"))))
    return int(summary["hits"]), int(summary["lookups"])


def libcachesim(rows, memory_mb, policy):
    cache = POLICIES[policy](cache_size=round(memory_mb * 1048576))
    hits = 0
    req = lcs.Request()
    for key, size in rows:
        req.obj_id, req.obj_size = key, size
        hits += cache.get(req)
    return hits, len(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", default="target/release/outage-sim")
    p.add_argument("--requests", type=int, default=200_000)
    p.add_argument("--keys", type=int, default=20_000)
    p.add_argument("--memory-mb", type=float, default=8.0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rows = trace(a.requests, a.keys, 0.9, 4096.0, 2.0, a.seed)
    print(f"{a.requests} requests over {a.keys} keys, Zipf 0.9, lognormal sizes (mean 4 kB, cv 2), "
          f"one node of {a.memory_mb} MiB; libcachesim {getattr(lcs, '__version__', '?')}")
    print("| policy | outage-sim hits | libcachesim hits | difference |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for policy in POLICIES:
            ours, n = outage_sim(a.binary, rows, a.keys, a.memory_mb, policy, folder)
            theirs, _ = libcachesim(rows, a.memory_mb, policy)
            print(f"| {policy} | {ours} ({ours / n:.4f}) | {theirs} ({theirs / n:.4f}) | {ours - theirs:+d} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
