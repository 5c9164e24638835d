#!/usr/bin/env python3
"""Time the reference libraries on the same model and rows as Sluice's model benchmark.

    python3 scripts/bench/model_reference_bench.py MODEL ROWS.csv [--seconds 6]

MODEL is an xgboost JSON model or a LightGBM text model; ROWS.csv is the fixture row format (a header
of feature names, then one row per line, empty field = missing). One thread, like Sluice's numbers:

  * xgboost: `Booster.inplace_predict` on a (1, F) array per row (single row) and on all rows at once
    (batch), nthread=1;
  * LightGBM: `Booster.predict` on a (1, F) array per row and on all rows, num_threads=1.

Single-row latency is the median over timing loops of the mean time per call; batch throughput is the
median over repeated whole-batch calls. Prints one JSON object. Timing uses the thread's CPU time, as
Sluice's benchmark does, so other load on a shared machine counts as little as possible.
"""

import argparse
import json
import os
import statistics
import time

import numpy as np


def read_rows(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [[float(v) if v else np.nan for v in line.rstrip("\n").split(",")] for line in f]
    return header, np.array(rows, dtype=np.float64)


def detect(path):
    with open(path, "rb") as f:
        head = f.read(64).lstrip()
    if head.startswith(b"tree"):
        return "lightgbm"
    if head.startswith(b"{"):
        return "xgboost"
    raise SystemExit(f"{path}: not an xgboost JSON or LightGBM text model")


def clock():
    return time.thread_time_ns()


def measure(single, batch, rows, seconds):
    n = len(rows)
    budget = seconds / 2
    one_rows = [rows[i:i + 1] for i in range(n)]
    loop = 200
    single_samples = []
    for i in range(min(n, 200)):
        single(one_rows[i])
    start = time.monotonic()
    r = 0
    while time.monotonic() - start < budget or len(single_samples) < 5:
        t0 = clock()
        for _ in range(loop):
            single(one_rows[r])
            r = (r + 1) % n
        single_samples.append((clock() - t0) / loop)
    batch(rows)
    batch_samples = []
    start = time.monotonic()
    while time.monotonic() - start < budget or len(batch_samples) < 5:
        t0 = clock()
        batch(rows)
        batch_samples.append(n / ((clock() - t0) / 1e9))
    return statistics.median(single_samples), statistics.median(batch_samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("rows")
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    header, rows = read_rows(args.rows)
    fmt = detect(args.model)
    result = {"model": args.model, "format": fmt, "rows": len(rows)}
    if fmt == "xgboost":
        import xgboost as xgb

        booster = xgb.Booster(model_file=args.model)
        booster.set_param({"nthread": 1})
        names = booster.feature_names or header
        x = rows[:, [header.index(name) for name in names]] if booster.feature_names else rows
        result["library"] = f"xgboost {xgb.__version__}"
        single_ns, batch_rps = measure(lambda r: booster.inplace_predict(r), lambda r: booster.inplace_predict(r),
                                       x, args.seconds)
    else:
        import lightgbm as lgb

        booster = lgb.Booster(model_file=args.model)
        names = booster.feature_name()
        x = rows[:, [header.index(name) for name in names]]
        result["library"] = f"lightgbm {lgb.__version__}"
        single_ns, batch_rps = measure(lambda r: booster.predict(r, num_threads=1),
                                       lambda r: booster.predict(r, num_threads=1), x, args.seconds)
    result["single_row_ns"] = round(single_ns, 1)
    result["batch_rows_per_s"] = int(batch_rps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
