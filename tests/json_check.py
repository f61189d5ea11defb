#!/usr/bin/env python3
"""json_check.py - the independent side of tests/test_json.c.  It parses
vmscope's JSON output (standard input) with Python's json module, which
rejects anything RFC 8259 does not allow, and knows nothing of vmscope's
C code: the smaps key of each JSON counter is written out here again.

  json_check.py smaps FILE      every region and total against a smaps file
  json_check.py lines           count the objects of JSON Lines output
  json_check.py get PATH...     each value, JSON-encoded, or "absent"; a
                                PATH is keys and indexes split by '.',
                                e.g. totals.rss or process.argv.2
  json_check.py bytes PATH...   the bytes each string stands for, in hex,
                                by the scheme of vmscope-json(5)
  json_check.py at ADDR KEY     the same for KEY of the region holding ADDR
  json_check.py same KEY...     two JSON Lines objects agree on each KEY

Exit status 0 when all is well, 1 with a message on stderr otherwise."""
import json
import re
import sys

# JSON key -> smaps key (proc(5)).
COUNTERS = {
    "rss": "Rss", "pss": "Pss", "pss_dirty": "Pss_Dirty",
    "pss_anon": "Pss_Anon", "pss_file": "Pss_File",
    "pss_shmem": "Pss_Shmem", "shared_clean": "Shared_Clean",
    "shared_dirty": "Shared_Dirty", "private_clean": "Private_Clean",
    "private_dirty": "Private_Dirty", "referenced": "Referenced",
    "anonymous": "Anonymous", "ksm": "KSM", "lazyfree": "LazyFree",
    "anon_huge": "AnonHugePages", "shmem_pmd": "ShmemPmdMapped",
    "file_pmd": "FilePmdMapped", "shared_hugetlb": "Shared_Hugetlb",
    "private_hugetlb": "Private_Hugetlb", "swap": "Swap",
    "swap_pss": "SwapPss", "locked": "Locked",
    "kernel_page_size": "KernelPageSize", "mmu_page_size": "MMUPageSize",
}
HUGE = ["AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
        "Shared_Hugetlb", "Private_Hugetlb"]
HEAD = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) "
                  r"([0-9a-f]+:[0-9a-f]+) (\d+) ?\s*(.*)$")


def fail(msg):
    sys.stderr.write("json_check: %s\n" % msg)
    sys.exit(1)


def strict_load(text):
    def no_constants(name):
        fail("not JSON: %s" % name)
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            fail("duplicate member in %r" % keys)
        return dict(pairs)
    return json.loads(text, parse_constant=no_constants,
                      object_pairs_hook=no_duplicates)


def parse_smaps(path):
    regions = []
    with open(path, "rb") as f:
        for raw in f.read().decode("utf-8", "surrogateescape").splitlines():
            m = HEAD.match(raw)
            if m:
                regions.append({"head": m.groups(), "kv": {}})
                continue
            key, _, val = raw.partition(":")
            val = val.strip()
            if key == "VmFlags":
                regions[-1]["flags"] = val.split()
            elif val.endswith(" kB"):
                regions[-1]["kv"][key] = int(val[:-3]) * 1024
            else:
                regions[-1]["kv"][key] = int(val)
    return regions


def expect(where, what, got, want):
    if got != want:
        fail("%s: %s is %r, smaps says %r" % (where, what, got, want))


def check_smaps(doc, path):
    want = parse_smaps(path)
    got = doc["regions"]
    expect("map", "region count", len(got), len(want))
    for g, w in zip(got, want):
        start, end, perms, off, dev, ino, name = w["head"]
        kv = w["kv"]
        where = "region %s" % start
        # The kernel pads to 8 digits; vmscope writes no leading zeros.
        expect(where, "start", g["start"], "0x%x" % int(start, 16))
        expect(where, "end", g["end"], "0x%x" % int(end, 16))
        expect(where, "size", g["size"], int(end, 16) - int(start, 16))
        expect(where, "size", g["size"], kv["Size"])
        expect(where, "prot", g["prot"], perms[:3])
        expect(where, "shared", g["shared"], perms[3] == "s")
        expect(where, "offset", g["offset"], int(off, 16))
        expect(where, "dev", g["dev"], dev)
        expect(where, "inode", g["inode"], int(ino))
        if name.startswith("["):
            expect(where, "name", g["name"], name)
            expect(where, "path", g["path"], None)
        elif name.endswith(" (deleted)"):
            expect(where, "path", g["path"], name[:-len(" (deleted)")])
            expect(where, "deleted", g["deleted"], True)
        elif name:
            expect(where, "path", g["path"], name)
            expect(where, "deleted", g["deleted"], False)
        else:
            expect(where, "path", g["path"], None)
            expect(where, "name", g["name"], None)
        for jk, sk in COUNTERS.items():
            expect(where, jk, g[jk], kv.get(sk))
        huge = None
        if all(k in kv for k in HUGE):
            huge = sum(kv[k] for k in HUGE)
        expect(where, "huge", g["huge"], huge)
        expect(where, "thp_eligible", g["thp_eligible"],
               bool(kv["THPeligible"]) if "THPeligible" in kv else None)
        expect(where, "protection_key", g["protection_key"],
               kv.get("ProtectionKey"))
        # vmscope lists the flags in the kernel's bit order; the fake
        # trees do not always.
        expect(where, "vmflags", sorted(g["vmflags"] or []),
               sorted(w.get("flags") or []))
        expect(where, "vmflags known", g["vmflags"] is None,
               "flags" not in w)
        # Linux's maximum protection: VM_MAYREAD/MAYWRITE/MAYEXEC.
        fl = w.get("flags")
        if fl is not None:
            expect(where, "maxprot", g["maxprot"],
                   ("r" if "mr" in fl else "-") +
                   ("w" if "mw" in fl else "-") +
                   ("x" if "me" in fl else "-"))
    t = doc["totals"]
    expect("totals", "regions", t["regions"], len(want))
    expect("totals", "size", t["size"], sum(w["kv"]["Size"] for w in want))
    for jk, sk in COUNTERS.items():
        if sk in ("KernelPageSize", "MMUPageSize"):
            expect("totals", jk + " (not summed)", jk in t, False)
            continue
        s = None
        if all(sk in w["kv"] for w in want):
            s = sum(w["kv"][sk] for w in want)
        expect("totals", jk, t[jk], s)
    expect("totals", "huge", t["huge"],
           sum(sum(w["kv"][k] for k in HUGE) for w in want))


def follow(doc, path):
    """The parent object and the final key or index of a dotted path."""
    parts = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = doc
    for p in parts[:-1]:
        node = node[p]
    return node, parts


def get(doc, path):
    parent, parts = follow(doc, path)
    last = parts[-1]
    if isinstance(last, int):
        return json.dumps(parent[last]) if last < len(parent) else "absent"
    return json.dumps(parent[last]) if last in parent else "absent"


def string_bytes(doc, path):
    """vmscope-json(5): NAME_hex, if present, holds the bytes; else the
    string's UTF-8 encoding does.  In an array, NAME_hex is parallel."""
    parent, parts = follow(doc, path)
    last = parts[-1]
    if isinstance(last, int):
        holder, _ = follow(doc, ".".join(str(p) for p in parts[:-1]))
        name = parts[-2]
        hexes = holder.get(name + "_hex")
        if hexes is not None and hexes[last] is not None:
            return hexes[last]
        return parent[last].encode("utf-8").hex()
    if last + "_hex" in parent:
        return parent[last + "_hex"]
    return parent[last].encode("utf-8").hex()


def main():
    text = sys.stdin.buffer.read().decode("utf-8")
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "same":
        docs = [strict_load(line) for line in text.split("\n") if line]
        if len(docs) != 2:
            fail("same: %d objects, not 2" % len(docs))
        for k in args:
            if docs[0].get(k) != docs[1].get(k):
                a, b = json.dumps(docs[0].get(k)), json.dumps(docs[1].get(k))
                fail("same: %s differs:\n%s\n%s" % (k, a[:3000], b[:3000]))
        print("same")
        return
    if mode == "lines":
        lines = text.split("\n")
        if lines[-1] != "":
            fail("output does not end with a newline")
        for line in lines[:-1]:
            strict_load(line)
        print(len(lines) - 1)
        return
    doc = strict_load(text)
    if doc.get("schema") != 1:
        fail("schema is %r" % doc.get("schema"))
    if mode == "smaps":
        check_smaps(doc, args[0])
    elif mode == "get":
        print(" ".join(get(doc, p) for p in args))
    elif mode == "bytes":
        print(" ".join(string_bytes(doc, p) for p in args))
    elif mode == "at":
        addr = int(args[0], 0)
        for i, r in enumerate(doc["regions"]):
            if int(r["start"], 16) <= addr < int(r["end"], 16):
                print(string_bytes(doc, "regions.%d.%s" % (i, args[1])))
                return
        fail("no region holds %s" % args[0])
    else:
        fail("unknown mode %s" % mode)


main()
