#!/usr/bin/env python3
"""diff_check.py - the independent side of tests/test_diff.c.  It parses
the JSON of `vmscope diff --json` (standard input) with Python's json
module, checks that every {"a", "b", "delta"} triple is consistent
(delta = b - a when both are known, null otherwise), and prints a
canonical summary the test compares with what the C library holds:

  differs 0|1
  total FIELD A B DELTA              (? for null)
  group NAME KIND IN_A IN_B CHANGED
  field NAME FIELD A B DELTA
  change KIND GROUP A_START B_START  (- for null)

with each NAME and GROUP as the hex of its bytes.

Exit status 0 when all is well, 1 with a message on stderr otherwise."""
import json
import sys

FIELDS = ["regions", "size", "rss", "pss", "dirty", "swap", "anonymous",
          "locked"]


def fail(msg):
    sys.stderr.write("diff_check: %s\n" % msg)
    sys.exit(1)


def no_constants(name):
    fail("not JSON: %s" % name)


def name(obj, key):
    """The bytes a name stands for, in hex (vmscope-json(5))."""
    if key + "_hex" in obj:
        return obj[key + "_hex"]
    return obj[key].encode("utf-8").hex()


def num(v):
    return "?" if v is None else str(v)


def triple(where, t):
    if set(t) != {"a", "b", "delta"}:
        fail("%s: members %r" % (where, sorted(t)))
    a, b, d = t["a"], t["b"], t["delta"]
    for v in (a, b, d):
        if v is not None and not isinstance(v, int):
            fail("%s: %r is not an integer" % (where, v))
    if a is not None and b is not None:
        if d != b - a:
            fail("%s: delta %r is not %r - %r" % (where, d, b, a))
    elif d is not None:
        fail("%s: delta %r with an unknown side" % (where, d))
    return "%s %s %s" % (num(a), num(b), num(d))


def main():
    doc = json.loads(sys.stdin.read(), parse_constant=no_constants)
    if doc.get("schema") != 1:
        fail("schema is %r" % doc.get("schema"))
    for side in ("a", "b"):
        if "source" not in doc[side] or "process" not in doc[side]:
            fail("%s: no source or process" % side)
    out = ["differs %d" % (1 if doc["differs"] else 0)]
    for f in FIELDS:
        out.append("total %s %s" % (f, triple("totals." + f,
                                               doc["totals"][f])))
    for g in doc["groups"]:
        out.append("group %s %s %d %d %d" % (name(g, "name"), g["kind"],
                                             g["in_a"], g["in_b"],
                                             g["changed"]))
        for f in FIELDS:
            out.append("field %s %s %s" % (name(g, "name"), f,
                                           triple(g["name"] + "." + f,
                                                  g[f])))
    for c in doc["changes"]:
        a = c["a"]["start"] if c["a"] is not None else "-"
        b = c["b"]["start"] if c["b"] is not None else "-"
        out.append("change %s %s %s %s" % (c["change"], name(c, "group"),
                                           a, b))
    sys.stdout.write("\n".join(out) + "\n")


main()
