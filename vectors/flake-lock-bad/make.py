#!/usr/bin/env python3
# Writes the malformed flake.lock cases: each CASE/flake.lock with
# CASE/expect, a grep pattern the one-line error must match. Run from this
# folder: python3 make.py
import json, os

base = open("../flake-lock/ipetkov__crane.flake.lock", "rb").read()
good = json.loads(base)

def dump(doc):
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()

def edit(f):
    doc = json.loads(base)
    f(doc)
    return dump(doc)

cases = {}
def case(name, data, expect):
    cases[name] = (data, expect)

case("truncated", base[: len(base) // 2], r"flake.lock:[0-9]*:[0-9]*: invalid JSON")
case("empty", b"", r"invalid JSON")
case("not-json", b"this is not json\n", r"flake.lock:1:[0-9]*: invalid JSON")
case("top-array", b"[1, 2]\n", r"must hold a JSON object")
case("version-8", edit(lambda d: d.update(version=8)), r"flake.lock:[0-9]*:[0-9]*: unsupported flake.lock version 8")
case("version-2", edit(lambda d: d.update(version=2)), r"unsupported flake.lock version 2")
case("version-string", edit(lambda d: d.update(version="7")), r'"version" must be an integer')
case("no-root", edit(lambda d: d.pop("root")), r'"root" must name the root node')
case("root-missing-node", edit(lambda d: d.update(root="nope")), r"root node 'nope' is not in")
case("nodes-array", edit(lambda d: d.update(nodes=[])), r'"nodes" must be an object')
case("dangling-ref", edit(lambda d: d["nodes"]["root"]["inputs"].update(nixpkgs="nixpkgs_9")), r"refers to missing node 'nixpkgs_9'")
def cyc(d):
    d["nodes"]["root"]["inputs"].update(a=["b"], b=["a"])
case("follows-cycle", edit(cyc), r"follows cycle")
case("follows-missing", edit(lambda d: d["nodes"]["root"]["inputs"].update(a=["nixpkgs", "nope"])), r"no input 'nope' in 'nixpkgs'")
case("follows-not-strings", edit(lambda d: d["nodes"]["root"]["inputs"].update(a=["nixpkgs", 3])), r"must hold strings")
case("input-number", edit(lambda d: d["nodes"]["root"]["inputs"].update(nixpkgs=7)), r"must be a node name or a follows path")
case("lastmodified-string", edit(lambda d: d["nodes"]["nixpkgs"]["locked"].update(lastModified="1700000000")), r'flake.lock:[0-9]*:[0-9]*: node .nixpkgs.: "lastModified" must be a non-negative integer')
case("lastmodified-negative", edit(lambda d: d["nodes"]["nixpkgs"]["locked"].update(lastModified=-1)), r'"lastModified" must be a non-negative integer')
case("narhash-number", edit(lambda d: d["nodes"]["nixpkgs"]["locked"].update(narHash=12)), r'"narHash" must be a string')
case("rev-short", edit(lambda d: d["nodes"]["nixpkgs"]["locked"].update(rev="abc123")), r'"rev" must be 40 hex digits')
case("flake-string", edit(lambda d: d["nodes"]["nixpkgs"].update(flake="false")), r'"flake" must be true or false')
case("locked-no-type", edit(lambda d: d["nodes"]["nixpkgs"]["locked"].pop("type")), r'"locked" has no "type"')
case("locked-array", edit(lambda d: d["nodes"]["nixpkgs"].update(locked=[])), r'"locked" must be an object')
case("no-locked", edit(lambda d: d["nodes"]["nixpkgs"].pop("locked")), r'has no "locked"')
case("parent-string", edit(lambda d: d["nodes"]["nixpkgs"].update(parent="x")), r'"parent" must be an array')
case("invalid-utf8", base.replace(b'"NixOS"', b'"Nix\xffOS"', 1), r"invalid JSON.*UTF-8")
case("nul-byte", base.replace(b'"NixOS"', b'"Nix\\u0000OS"', 1), r"invalid JSON")
case("huge-number", base.replace(b'"lastModified": ', b'"lastModified": 99999999999999999999999', 1).replace(b'99999999999999999999999' , b'99999999999999999999999', 1), r"invalid JSON")
case("deep-nesting", base.replace(b'"version": 7', b'"deep": ' + b"[" * 5000 + b"]" * 5000 + b', "version": 7'), r"invalid JSON.*depth")
case("duplicate-key", base.replace(b'"root": "root",', b'"root": "root",\n  "root": "root",'), r"invalid JSON.*duplicate")

for name, (data, expect) in cases.items():
    os.makedirs(name, exist_ok=True)
    open(os.path.join(name, "flake.lock"), "wb").write(data)
    open(os.path.join(name, "expect"), "w").write(expect + "\n")
