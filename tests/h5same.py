#!/usr/bin/python3
"""h5same.py A.h5 B.h5: exit 0 when every dataset of two bcsim result files is
identical bit for bit (same shape, dtype and bytes), else print the first
difference and exit 1. Root attributes that name the moment or the command
(created, command_line) may differ."""
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def main():
    a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
    da, db = datasets(a), datasets(b)
    if sorted(da) != sorted(db):
        print("different datasets:", sorted(set(da) ^ set(db)))
        return 1
    for name in sorted(da):
        x, y = da[name][()], db[name][()]
        if isinstance(x, np.ndarray) and x.dtype.kind in "fiu":
            if x.shape != y.shape or x.dtype != y.dtype or x.tobytes() != y.tobytes():
                print("dataset differs:", name)
                return 1
        elif not np.array_equal(np.asarray(x), np.asarray(y)):
            print("dataset differs:", name)
            return 1
    for key in a.attrs:
        if key in ("created", "command_line"):
            continue
        if not np.array_equal(np.asarray(a.attrs[key]), np.asarray(b.attrs[key])):
            print("attribute differs:", key)
            return 1
    print("identical: %d datasets" % len(da))
    return 0


if __name__ == "__main__":
    sys.exit(main())
