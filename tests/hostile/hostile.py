#!/usr/bin/python3
"""hostile.py: helpers of tests/test_hostile.sh (Debian's /usr/bin/python3 with
numpy and h5py).

  hostile.py gen KIND OUT [N]   write a hostile model file (see GEN below)
  hostile.py finite FILE.h5     every float dataset and attribute is finite
  hostile.py complete FILE.h5 [RUNS [ROWS]]
                                a complete bcsim result file (or checkpoint):
                                the root attributes, every dataset readable,
                                /samples with ROWS rows if ROWS is given
  hostile.py foreign DIR        HDF5 files that are not bcsim results
  hostile.py flip IN OUT SEED N LIMIT
                                copy IN with N random bytes of its first LIMIT
                                bytes replaced (a damaged file)
  hostile.py setattr IN OUT NAME VALUE
                                copy IN with the uint64 root attribute NAME set
  hostile.py socket PATH        leave a Unix socket file at PATH
"""
import os
import random
import shutil
import socket
import sys

PROPOSAL = ("  - {{id: {id}, investment: 1, participants: 10, effect: 0.1, duration: 1, "
            "unit_cost: 1000}}\n")


def gen(kind, out, n):
    """The hostile model files. Those that must be refused say so in
    test_hostile.sh, with the message each must give."""
    with open(out, "wb") as f:
        w = lambda s: f.write(s.encode() if isinstance(s, str) else s)
        if kind == "junk":                      # binary junk, reproducible
            r = random.Random(n or 1)
            w(bytes(r.randrange(256) for _ in range(100000)))
        elif kind == "comments":                # a file of only comments
            w("# a comment\n" * 1000)
        elif kind == "big-comment":             # 17 MiB of valid YAML
            w("model: x\n")
            line = "# " + "c" * 1021 + "\n"
            for _ in range(17 * 1024):
                w(line)
        elif kind == "deep-flow":               # [[[[ ... ]]]] 100000 deep
            w("model: x\nproposals: " + "[" * 100000 + "]" * 100000 + "\n")
        elif kind == "deep-block":              # block lists 2000 deep
            w("model: x\nproposals:\n")
            for i in range(1, 2000):
                w("  " * i + "-\n")
        elif kind == "deep-map":                # {a: {a: ...}} 50000 deep
            w("model: x\ntitle: " + "{a: " * 50000 + "1" + "}" * 50000 + "\n")
        elif kind == "laughs":                  # billion laughs: 9^9 "lol"
            w('model: x\nl0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n')
            for i in range(1, 10):
                w("l%d: &a%d [%s]\n" % (i, i, ",".join(["*a%d" % (i - 1)] * 9)))
        elif kind == "alias":                   # one harmless-looking alias
            w("model: x\nproposals:\n  - &p {id: a, investment: 1, participants: 1, "
              "effect: 0.1, duration: 1, unit_cost: 1}\n  - *p\n")
        elif kind == "many":                    # n proposals (valid)
            w("model: many\nproposals:\n")
            w("".join(PROPOSAL.format(id="p%d" % i) for i in range(n)))
        elif kind == "empties":                 # n empty proposals, 100 years each
            w("model: e\nhorizon: {years: 100}\nproposals:\n")
            w("- {}\n" * n)
        elif kind == "dup-id":
            w("model: x\nproposals:\n" + PROPOSAL.format(id="a") + PROPOSAL.format(id="b") +
              PROPOSAL.format(id="a"))
        elif kind == "dup-key":
            w("model: x\ntitle: a\nmodel: y\n")
        elif kind == "long-title":              # a 10 MB title (valid)
            w("model: x\ntitle: " + "t" * 10000000 + "\nproposals:\n" +
              PROPOSAL.format(id="a"))
        elif kind == "long-id":                 # a 1 MB id
            w("model: x\nproposals:\n" + PROPOSAL.format(id="i" * 1000000))
        elif kind == "long-key":                # a 1 MB unknown key
            w("model: x\n" + "k" * 1000000 + ": 1\n")
        elif kind == "long-number":             # 1 followed by a million zeros
            w("model: x\nproposals:\n  - {id: a, investment: 1" + "0" * 1000000 +
              ", participants: 1, effect: 0.1, duration: 1, unit_cost: 1}\n")
        elif kind == "non-utf8":                # bytes that are not UTF-8 in a string
            w(b"model: x\ntitle: caf\xe9 \xff\xfe\nproposals:\n" +
              PROPOSAL.format(id="a").encode())
        elif kind == "nul":                     # a NUL byte in the text
            w(b"model: x\x00\nproposals: []\n")
        elif kind == "control-key":             # escapes and a newline in a key
            w('model: x\n"evil\\nkey\\e[31m": 1\n')
        elif kind == "utf16":                   # UTF-16 with a byte-order mark
            w("model: x\n".encode("utf-16"))
        else:
            raise SystemExit("unknown kind " + kind)


def finite(path):
    import h5py
    import numpy as np
    bad = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f":
            if not np.all(np.isfinite(obj[()])):
                bad.append(name)
        for k, v in obj.attrs.items():
            v = np.asarray(v)
            if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
                bad.append(name + "@" + k)

    with h5py.File(path, "r") as f:
        visit("/", f)
        f.visititems(visit)
        n = [0]
        f.visititems(lambda _, o: n.__setitem__(0, n[0] + isinstance(o, h5py.Dataset)))
    if bad:
        print("non-finite:", ", ".join(bad))
        return 1
    print("finite: %d datasets" % n[0])
    return 0


def complete(path, runs=None, rows=None):
    """Open the file and read everything in it; check what makes it whole."""
    import h5py
    with h5py.File(path, "r") as f:
        a = f.attrs
        for k in ("format", "format_version", "study", "model_text", "seed", "runs", "created"):
            assert k in a, "no attribute " + k
        assert a["format"] == "bcsim-results", a["format"]
        if runs is not None:
            assert int(a["runs"]) == int(runs), a["runs"]
        study = a["study"]
        need = {"run": ["summary/avg_gain/mean", "histograms/npv/counts", "regression/cov",
                        "base_case/gain"],
                "checkpoint": ["state/bytes"], "shard": ["state/bytes"]}[study]
        for d in need:
            assert d in f, "no dataset " + d
        if study == "checkpoint":
            assert 0 <= int(a["segment_next"]) <= int(a["segments"])
            assert f["state/bytes"].shape[0] > 0
        f.visititems(lambda _, o: o[()] if isinstance(o, h5py.Dataset) else None)
        if rows is not None:
            assert f["samples/avg_gain"].shape[0] == int(rows), f["samples/avg_gain"].shape
            assert f["samples/inputs"].shape[0] == int(rows)
            assert (f["samples/avg_gain"][-1] != 0).any()
        print("complete:", study, int(a["runs"]), "runs")
    return 0


def foreign(d):
    import h5py
    import numpy as np
    with h5py.File(os.path.join(d, "plain.h5"), "w") as f:       # no attributes at all
        f["x"] = np.arange(10.0)
    with h5py.File(os.path.join(d, "other.h5"), "w") as f:       # another format
        f.attrs["format"] = "netcdf-ish"
        f["x"] = np.arange(10.0)
    with h5py.File(os.path.join(d, "half.h5"), "w") as f:        # our name, nothing else
        f.attrs["format"] = "bcsim-results"
        f.attrs["format_version"] = np.int32(1)
    with h5py.File(os.path.join(d, "future.h5"), "w") as f:      # a newer format version
        f.attrs["format"] = "bcsim-results"
        f.attrs["format_version"] = np.int32(99)
    with h5py.File(os.path.join(d, "wrongtype.h5"), "w") as f:   # attributes of wrong types
        f.attrs["format"] = "bcsim-results"
        f.attrs["format_version"] = np.int32(1)
        for k in ("model_text", "model_file", "overrides", "sampler", "model_id", "title",
                  "study"):
            f.attrs[k] = np.arange(3.0)
        for k in ("seed", "runs", "block", "model_text_length"):
            f.attrs[k] = "many"
    return 0


def flip(src, dst, seed, n, limit):
    b = bytearray(open(src, "rb").read())
    r = random.Random(int(seed))
    lim = min(len(b), int(limit))
    for _ in range(int(n)):
        b[r.randrange(lim)] = r.randrange(256)
    open(dst, "wb").write(b)
    return 0


def setattr_(src, dst, name, value):
    import h5py
    import numpy as np
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        f.attrs[name] = np.uint64(int(value))
    return 0


def mksocket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "gen":
        gen(argv[2], argv[3], int(argv[4]) if len(argv) > 4 else 0)
        return 0
    if cmd == "finite":
        return finite(argv[2])
    if cmd == "complete":
        return complete(argv[2], *argv[3:5])
    if cmd == "foreign":
        return foreign(argv[2])
    if cmd == "flip":
        return flip(*argv[2:7])
    if cmd == "setattr":
        return setattr_(*argv[2:6])
    if cmd == "socket":
        return mksocket(argv[2])
    raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except AssertionError as e:
        print("incomplete:", e)
        sys.exit(1)
