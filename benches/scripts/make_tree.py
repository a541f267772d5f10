#!/usr/bin/env python3
"""Writes the benchmark trees: `files N DIR` makes N files of 1-4 KiB in folders of 500
(deterministic names, sizes and bytes); `big N MIB DIR` makes N files of MIB MiB."""
import os
import random
import sys


def files(count, root):
    rng = random.Random(1)
    pool = rng.randbytes(1 << 20)
    for i in range(count):
        d = os.path.join(root, f"dir{i // 500:03d}")
        if i % 500 == 0:
            os.makedirs(d, exist_ok=True)
        size = rng.randint(1024, 4096)
        start = rng.randint(0, len(pool) - size)
        with open(os.path.join(d, f"file-{i % 500:04d}.dat"), "wb") as f:
            f.write(pool[start:start + size])


def big(count, mib, root):
    os.makedirs(root, exist_ok=True)
    rng = random.Random(2)
    chunk = rng.randbytes(1 << 20)
    for i in range(count):
        with open(os.path.join(root, f"big{i}.bin"), "wb") as f:
            for j in range(mib):
                f.write(chunk[j % 256:] + chunk[:j % 256])


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "files":
        files(int(sys.argv[2]), sys.argv[3])
    elif kind == "big":
        big(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("usage: make_tree.py files N DIR | big N MIB DIR")
