"""Optuna peers for bench/tuning/run.mjs: runs TPESampler / GPSampler on the benchmark
functions and prints one JSON line per run (objective values in trial order, seconds per
trial). The functions mirror bench/tuning/functions.mjs; run.mjs checks that both sides agree
on reference points before it trusts the numbers.

Usage: python optuna_peer.py '<json job list>'   (each job: sampler, function, seed, budget)
       python optuna_peer.py --check '<json list of [function, params]>'
"""

import json
import math
import sys
import time

import numpy as np


def branin(x1, x2):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H3_ALPHA = [1.0, 1.2, 3.0, 3.2]
H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def hartmann(x, a, p):
    total = 0.0
    for i in range(4):
        inner = sum(a[i][j] * (x[j] - p[i][j] * 1e-4) ** 2 for j in range(len(x)))
        total -= H3_ALPHA[i] * math.exp(-inner)
    return total


MIXED_SHIFT = {"a": 0.0, "b": 2.5, "c": -1.5}
MIXED_OFFSET = {"a": 0.0, "b": 0.3, "c": 1.0}


def evaluate(name, p):
    if name == "branin":
        return branin(p["x1"], p["x2"])
    if name == "hartmann3":
        return hartmann([p[f"x{i}"] for i in range(3)], H3_A, H3_P)
    if name == "hartmann6":
        return hartmann([p[f"x{i}"] for i in range(6)], H6_A, H6_P)
    if name == "mixedBranin":
        return branin(p["x1"] + MIXED_SHIFT[p["c"]], p["x2"]) + MIXED_OFFSET[p["c"]]
    if name == "rosenbrock4":
        x = [p[f"x{i}"] for i in range(4)]
        return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(3))
    if name == "ackley5":
        x = np.array([p[f"x{i}"] for i in range(5)])
        return float(
            -20 * np.exp(-0.2 * np.sqrt(np.mean(x**2)))
            - np.exp(np.mean(np.cos(2 * np.pi * x)))
            + 20
            + np.e
        )
    raise ValueError(name)


def suggest(trial, space):
    params = {}
    for spec in space:
        kind, name = spec["kind"], spec["name"]
        log = spec.get("scaling") == "Logarithmic"
        if kind == "Continuous":
            params[name] = trial.suggest_float(name, spec["min"], spec["max"], log=log)
        elif kind == "Integer":
            params[name] = trial.suggest_int(name, spec["min"], spec["max"], log=log)
        else:
            params[name] = trial.suggest_categorical(name, spec["values"])
    return params


def run(job):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seed = job["seed"]
    if job["sampler"] == "GP":
        sampler = optuna.samplers.GPSampler(seed=seed)
    elif job["sampler"] == "TPE":
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        raise ValueError(job["sampler"])
    study = optuna.create_study(sampler=sampler, direction="minimize")
    values, seconds = [], []
    for _ in range(job["budget"]):
        start = time.perf_counter()
        trial = study.ask()
        params = suggest(trial, job["space"])
        seconds.append(time.perf_counter() - start)
        value = evaluate(job["function"], params)
        study.tell(trial, value)
        values.append(value)
    return {**{k: job[k] for k in ("sampler", "function", "seed", "budget")}, "values": values,
            "seconds": seconds, "optuna": optuna.__version__}


def main():
    if sys.argv[1] == "--check":
        print(json.dumps([evaluate(name, params) for name, params in json.loads(sys.argv[2])]))
        return
    import torch

    torch.set_num_threads(1)
    for job in json.loads(sys.argv[1]):
        print(json.dumps(run(job)), flush=True)


if __name__ == "__main__":
    main()
