#!/usr/bin/python3
"""Writes a 768-D "walk" point cloud like a real embedding trajectory: a random walk on
the unit sphere that now and then returns near an earlier point (a loop).

usage: walk_cloud.py N OUT_PREFIX [--dim 768] [--seed 1] [--step 0.25] [--return-prob 0.05]
writes OUT_PREFIX.npy (float32, N × dim) and OUT_PREFIX.txt (CSV, ripser's point-cloud input)
"""
import argparse

import numpy as np


def walk(n, dim, seed, step, return_prob):
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float64)
    x = rng.standard_normal(dim)
    x /= np.linalg.norm(x)
    s = step / np.sqrt(dim)
    for i in range(n):
        if i > 10 and rng.random() < return_prob:
            j = int(rng.random() * (i - 5))
            x = out[j] + 0.3 * s * rng.standard_normal(dim)
        else:
            x = x + s * rng.standard_normal(dim)
        x /= np.linalg.norm(x)
        out[i] = x
    return out.astype(np.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("out_prefix")
    p.add_argument("--dim", type=int, default=768)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--step", type=float, default=0.25)
    p.add_argument("--return-prob", type=float, default=0.05)
    a = p.parse_args()
    pts = walk(a.n, a.dim, a.seed, a.step, a.return_prob)
    np.save(a.out_prefix + ".npy", pts)
    np.savetxt(a.out_prefix + ".txt", pts, fmt="%.9g", delimiter=",")


if __name__ == "__main__":
    main()
