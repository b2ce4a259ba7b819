#!/usr/bin/env python3
"""Turn `readelf -W -h -S -l -d -n -V` and `file -b` output into the ELF
facts `xpin elf --json` reports (every key but "path" and "warnings").

usage: facts.py READELF.txt FILE.txt [VERSIONS.txt]

The facts come only from what readelf and file print; this script only
renames them (readelf's "Advanced Micro Devices X86-64" is "x86_64").
VERSIONS.txt is `readelf -W -V` of a file with the same .gnu.version_r
bytes, for a binary whose section headers were removed (readelf shows
version needs only through section headers).
"""
import json
import re
import sys

MACHINES = {
    "Advanced Micro Devices X86-64": "x86_64",
    "Intel 80386": "i386",
    "AArch64": "aarch64",
    "ARM": "arm",
    "RISC-V": "riscv",
    "IBM S/390": "s390",
    "MIPS R3000": "mips",
    "PowerPC": "powerpc",
    "PowerPC64": "powerpc64",
    "LoongArch": "loongarch",
}
OSABI = {
    "UNIX - System V": "sysv",
    "UNIX - GNU": "gnu",
    "UNIX - FreeBSD": "freebsd",
    "UNIX - NetBSD": "netbsd",
    "UNIX - OpenBSD": "openbsd",
}


def glibc_max(text):
    best, best_s = None, None
    in_needs = False
    for line in text.splitlines():
        if line.startswith("Version needs section"):
            in_needs = True
            continue
        if line.startswith("Version ") or not line.strip():
            in_needs = False
            continue
        m = re.search(r"Name: GLIBC_([0-9][0-9.]*)\s", line + " ")
        if in_needs and m:
            v = tuple(int(x) for x in m.group(1).split("."))
            if best is None or v > best:
                best, best_s = v, m.group(1)
    return best_s


def facts(readelf, filetxt, versions=None):
    h = {}
    for line in readelf.splitlines():
        m = re.match(r"^  ([A-Za-z/ ]+):\s+(.*?)\s*$", line)
        if m and m.group(1) not in h:
            h[m.group(1)] = m.group(2)
    cls = {"ELF64": 64, "ELF32": 32}[h["Class"]]
    endian = "little" if "little endian" in h["Data"] else "big"
    machine = MACHINES.get(h["Machine"], h["Machine"])
    if machine == "s390" and cls == 64:
        machine = "s390x"
    elif machine == "riscv":
        machine = "riscv%d" % cls
    elif machine == "loongarch":
        machine = "loongarch%d" % cls
    elif machine == "mips":
        machine = ("mips64" if cls == 64 else "mips") + \
            ("el" if endian == "little" else "")
    elif machine == "powerpc64" and endian == "little":
        machine = "powerpc64le"

    sections = re.findall(r"^\s*\[\s*\d+\]\s+(\S*)\s+(\S+)\s", readelf, re.M)
    names = [n for n, _ in sections]
    types = [t for _, t in sections]

    interp = re.search(r"\[Requesting program interpreter: (.*)\]", readelf)
    dyn = re.findall(r"^ 0x[0-9a-f]+ \((\w+)\)\s+(.*)$", readelf, re.M)

    def dstr(tag):
        vals = [re.search(r"\[(.*)\]", v).group(1) for t, v in dyn if t == tag]
        return vals

    soname, rpath, runpath = dstr("SONAME"), dstr("RPATH"), dstr("RUNPATH")
    bid = re.search(r"Build ID: ([0-9a-f]+)", readelf)

    if "There are no program headers" in readelf:
        execstack = None
    else:
        st = re.search(r"^\s+GNU_STACK\s.*\s(R?W?E?)\s+0x[0-9a-f]+$",
                       readelf, re.M)
        execstack = bool(st and "E" in st.group(1))

    if "relocatable" in filetxt or "core file" in filetxt:
        linkage = None
    elif "shared object" in filetxt:
        linkage = "shared-object"
    elif "static-pie linked" in filetxt:
        linkage = "static-pie"
    elif "dynamically linked" in filetxt:
        linkage = "dynamic"
    elif "statically linked" in filetxt:
        linkage = "static"
    else:
        # file(1) prints no linking style without a PT_DYNAMIC or
        # PT_INTERP in an executable: that is a static binary.
        linkage = "static"

    return {
        "class": cls,
        "endian": endian,
        "osabi": OSABI.get(h["OS/ABI"], h["OS/ABI"]),
        "type": h["Type"].split()[0],
        "machine": machine,
        "entry": h["Entry point address"],
        "linkage": linkage,
        "interpreter": interp.group(1) if interp else None,
        "needed": dstr("NEEDED"),
        "soname": soname[-1] if soname else None,
        "rpath": rpath[-1] if rpath else None,
        "runpath": runpath[-1] if runpath else None,
        "build_id": bid.group(1) if bid else None,
        "stripped": "SYMTAB" not in types,
        "debug_info": ".debug_info" in names,
        "glibc": glibc_max(versions if versions is not None else readelf),
        "execstack": execstack,
    }


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        readelf = f.read()
    with open(sys.argv[2]) as f:
        filetxt = f.read()
    versions = None
    if len(sys.argv) == 4:
        with open(sys.argv[3]) as f:
            versions = f.read()
    out = facts(readelf, filetxt, versions)
    # Cross-check the two tools where both say something.
    if ("not stripped" in filetxt) == out["stripped"] and \
            "no section header" not in filetxt:
        sys.exit("facts.py: readelf and file disagree on 'stripped'")
    if ("with debug_info" in filetxt) != out["debug_info"]:
        sys.exit("facts.py: readelf and file disagree on debug info")
    if out["build_id"] and "BuildID[sha1]=" in filetxt and \
            "BuildID[sha1]=" + out["build_id"] not in filetxt:
        sys.exit("facts.py: readelf and file disagree on the build-id")
    if out["interpreter"] and \
            "interpreter " + out["interpreter"] not in filetxt:
        sys.exit("facts.py: readelf and file disagree on the interpreter")
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
