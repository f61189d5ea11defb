#!/usr/bin/env python3
"""Write the fake procfs tree testdata/procfs/golden/ that the view tests
read: a 64-bit process 4242 with two threads and one of each kind of
region (file, heap, guard, thread stack, SysV shm, memfd, named anon,
deleted file, MAP_NORESERVE with huge pages, vvar, vdso, stack,
vsyscall), and a 32-bit process 4343.  The numbers are made up but
consistent: Rss = Shared_* + Private_*, Pss <= Rss, Anonymous <= Rss.
Lines are laid out as the kernel writes them (addresses in at least 8 hex
digits, names padded to column 73 or 49), and VmFlags vary (dc wf lo sr
rr hg nh) so that the views deriving fields from them see each case.
Run it from anywhere; it rewrites the tree next to itself."""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "golden")

KEYS = ["Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty",
        "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
        "Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages",
        "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb",
        "Private_Hugetlb", "Swap", "SwapPss", "Locked"]


def region(start, end, perms, off, dev, ino, name, sc=0, sd=0, pc=0, pd=0,
           anon=0, swap=0, locked=0, huge=0, flags="rd mr mw me", pad=73):
    size = (end - start) // 1024
    rss = sc + sd + pc + pd
    v = dict.fromkeys(KEYS, 0)
    v.update(Size=size, KernelPageSize=4, MMUPageSize=4, Rss=rss,
             Pss=pc + pd + (sc + sd) // 2, Pss_Dirty=pd + sd // 2,
             Shared_Clean=sc, Shared_Dirty=sd, Private_Clean=pc,
             Private_Dirty=pd, Referenced=rss, Anonymous=anon,
             AnonHugePages=huge, Swap=swap, SwapPss=swap, Locked=locked)
    head = "%08x-%08x %s %08x %s %d " % (start, end, perms, off, dev, ino)
    if name:
        head = head.ljust(pad) + name
    else:
        head = head.rstrip(" ") + " "
    body = "".join("%s:%s kB\n" % (k, str(v[k]).rjust(max(1, 21 - len(k))))
                   for k in KEYS)
    body += "THPeligible:    0\nProtectionKey:         0\n"
    body += "VmFlags: %s \n" % flags
    return head, head + "\n" + body


def write_proc(pid, comm, argv, regions, threads, exe_class):
    d = os.path.join(ROOT, str(pid))
    os.makedirs(os.path.join(d, "task"))
    heads, smaps = zip(*regions)
    with open(os.path.join(d, "maps"), "w") as f:
        f.write("".join(h + "\n" for h in heads))
    with open(os.path.join(d, "smaps"), "w") as f:
        f.write("".join(smaps))
    with open(os.path.join(d, "status"), "w") as f:
        f.write("Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\n"
                "Tgid:\t%d\nPid:\t%d\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\n"
                "Gid:\t1000\t1000\t1000\t1000\nThreads:\t%d\n"
                % (comm, pid, pid, len(threads)))
    with open(os.path.join(d, "comm"), "w") as f:
        f.write(comm + "\n")
    with open(os.path.join(d, "cmdline"), "wb") as f:
        f.write(b"".join(a.encode() + b"\0" for a in argv))
    # An ELF identification is all the reader takes from exe.
    ident = bytes([0x7f, ord("E"), ord("L"), ord("F"), exe_class, 1, 1]) \
        + bytes(9) + bytes([3, 0]) \
        + (bytes([0x3e, 0]) if exe_class == 2 else bytes([3, 0]))
    with open(os.path.join(d, "exe"), "wb") as f:
        f.write(ident + bytes(44))
    for tid, text in threads:
        t = os.path.join(d, "task", str(tid))
        os.makedirs(t)
        with open(os.path.join(t, "syscall"), "w") as f:
            f.write(text + "\n")


def main():
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)
    exe = "/usr/bin/demo"
    r = [
        region(0x555555554000, 0x555555556000, "r--p", 0, "fe:01", 1001, exe,
               sc=8),
        region(0x555555556000, 0x55555555a000, "r-xp", 0x2000, "fe:01", 1001,
               exe, sc=12, flags="rd ex mr mw me"),
        region(0x55555555a000, 0x55555555b000, "r--p", 0x6000, "fe:01", 1001,
               exe, pd=4, anon=4, flags="rd mr mw me ac"),
        region(0x55555555b000, 0x55555555c000, "rw-p", 0x7000, "fe:01", 1001,
               exe, pd=4, anon=4, flags="rd wr mr mw me ac"),
        region(0x555555560000, 0x555555581000, "rw-p", 0, "00:00", 0,
               "[heap]", pd=120, anon=120, swap=8,
               flags="rd wr mr mw me ac nh"),
        region(0x7f0000000000, 0x7f0000001000, "---p", 0, "00:00", 0, "",
               flags="mr mw me"),
        region(0x7f0000001000, 0x7f0000801000, "rw-p", 0, "00:00", 0, "",
               pd=16, anon=16, flags="rd wr mr mw me ac wf"),
        region(0x7f0000900000, 0x7f0000a00000, "rw-s", 0, "00:01", 32769,
               "/SYSV0000beef (deleted)", sd=64, flags="rd wr sh mr mw me ms"),
        region(0x7f0000a00000, 0x7f0000a01000, "rw-s", 0, "00:01", 2050,
               "/memfd:cache (deleted)", sd=4, flags="rd wr sh mr mw me ms"),
        region(0x7f0000b00000, 0x7f0000b10000, "rw-p", 0, "00:00", 0,
               "[anon:arena]", pd=64, anon=64, locked=64,
               flags="rd wr mr mw me dc lo ac"),
        region(0x7f0000c00000, 0x7f0000c01000, "r--p", 0, "fe:01", 1002,
               "/tmp/data file (deleted)", pc=4, flags="rd mr mw me sr"),
        region(0x7f0000d00000, 0x7f0000f00000, "rw-p", 0, "00:00", 0, "",
               pd=1028, anon=1028, huge=1024,
               flags="rd wr mr mw me rr nr ac hg"),
        region(0x7ffff7fc1000, 0x7ffff7fc5000, "r--p", 0, "00:00", 0, "[vvar]",
               flags="rd mr pf io de dd"),
        region(0x7ffff7fc5000, 0x7ffff7fc7000, "r-xp", 0, "00:00", 0, "[vdso]",
               sc=8, flags="rd ex mr mw me de"),
        region(0x7ffffffde000, 0x7ffffffff000, "rw-p", 0, "00:00", 0,
               "[stack]", pd=12, anon=12, flags="rd wr mr mw me gd ac"),
        region(0xffffffffff600000, 0xffffffffff601000, "--xp", 0, "00:00", 0,
               "[vsyscall]", flags="ex"),
    ]
    write_proc(4242, "demo", [exe, "--serve", "a b"], r,
               [(4242, "7 0x7ffffffee000 0x1 0x2710 0x0 0x0 0x0 "
                 "0x7fffffffe000 0x7ffff7e4c1ea"),
                (4243, "-1 0x7f00007ffe00 0x7ffff7e4c1ea"),
                (4244, "running")], 2)
    r32 = [
        region(0x08048000, 0x08049000, "r-xp", 0, "08:01", 77, "/bin/demo32",
               sc=4, flags="rd ex mr mw me dw", pad=49),
        region(0x0804a000, 0x0806b000, "rw-p", 0, "00:00", 0, "[heap]",
               pd=8, anon=8, flags="rd wr mr mw me ac", pad=49),
        region(0xf7f00000, 0xf7f01000, "r-xp", 0, "00:00", 0, "[vdso]",
               sc=4, flags="rd ex mr mw me de", pad=49),
        region(0xfffdd000, 0xffffe000, "rw-p", 0, "00:00", 0, "[stack]",
               pd=8, anon=8, flags="rd wr mr mw me gd ac", pad=49),
    ]
    write_proc(4343, "demo32", ["/bin/demo32"], r32,
               [(4343, "-1 0xffffd000 0x8048100")], 1)


if __name__ == "__main__":
    main()
