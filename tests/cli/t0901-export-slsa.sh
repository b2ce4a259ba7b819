#!/bin/sh
# xpin export slsa on the cross example: one DSSE envelope per target,
# checked by PyNaCl (not by xpin) over the DSSE v1 PAE the test computes
# itself, with the Ed25519 key read from xpin.pub; the Statement and its
# SLSA Provenance v1 predicate have the fields, and the field types, the
# published specs give (written out below from their text); subjects'
# digests are sha256sum's; an altered digest or payload no longer
# verifies; exporting twice gives the same bytes; bad input is refused.
. "$(dirname "$0")/../lib.sh"

py=
for p in python3 /usr/bin/python3; do
	"$p" -c 'import nacl.signing' 2>/dev/null && { py=$p; break; }
done
[ -n "$py" ] || skip_all "no python3 with nacl (python3-nacl)"

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
"$XPIN" keygen -W -p xpin.pub -s "$TMP/xpin.key" >/dev/null
export XPIN_SECRET_KEY="$(cat "$TMP/xpin.key")"
expect_exit 0 "lock a nix target and a command target" "$XPIN" lock x86_64-linux-musl tool
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) make -s -C src release >/dev/null 2>&1

expect_exit 0 "export slsa" "$XPIN" export slsa
expect_eq "one line per target" 2 "$(wc -l <xpin.intoto.jsonl)"
cp xpin.intoto.jsonl "$TMP/first"
expect_exit 0 "export slsa again" "$XPIN" export slsa
expect_same "the same bytes twice" "$TMP/first" xpin.intoto.jsonl
expect_exit 0 "export slsa -o, one target" "$XPIN" export slsa -o "$TMP/one.jsonl" tool
expect_eq "one line for one target" 1 "$(wc -l <"$TMP/one.jsonl")"

# What sha256sum says of each artifact file: TARGET/PATH HEX.
out=$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["x86_64-linux-musl"]["outputs"]["out"])')
printf 'tool/src/out/tool %s\nx86_64-linux-musl/bin/hello %s\n' \
	"$(sha256sum src/out/tool | cut -d' ' -f1)" \
	"$(sha256sum "$out/bin/hello" | cut -d' ' -f1)" >"$TMP/sums"

cat >"$TMP/check.py" <<'PY'
import base64, json, sys
import nacl.signing, nacl.exceptions

pubfile, jsonl, sums, lock = sys.argv[1:5]
failed = 0
def check(ok, what):
    global failed
    print(("ok - " if ok else "not ok - ") + what)
    failed += not ok

# minisign public key: a comment line, then base64 of "Ed" keyid[8] pk[32].
raw = base64.b64decode(open(pubfile).read().splitlines()[1])
keyid, pk = raw[2:10], raw[10:42]
minisign_id = keyid[::-1].hex().upper()  # minisign prints it little-endian
vk = nacl.signing.VerifyKey(pk)

# DSSE v1: PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
def pae(t, body):
    t = t.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)

def verifies(env):
    body = base64.b64decode(env["payload"], validate=True)
    try:
        vk.verify(pae(env["payloadType"], body),
                  base64.b64decode(env["signatures"][0]["sig"], validate=True))
        return True
    except nacl.exceptions.BadSignatureError:
        return False

# The shapes, from the specs' text. DSSE envelope: payload (base64),
# payloadType, signatures [{keyid, sig}]. in-toto Statement v1: _type,
# subject [ResourceDescriptor with digest], predicateType, predicate.
# ResourceDescriptor: name, uri, digest (DigestSet: string -> string),
# content (base64), downloadLocation, mediaType, annotations (object);
# one of uri, digest, content at least. SLSA Provenance v1:
# buildDefinition {buildType (string), externalParameters (object),
# internalParameters (object), resolvedDependencies [ResourceDescriptor]},
# runDetails {builder {id (string), builderDependencies, version
# (string -> string)}, metadata {invocationId, startedOn, finishedOn},
# byproducts [ResourceDescriptor]}.
RD = {"name": str, "uri": str, "digest": dict, "content": str,
      "downloadLocation": str, "mediaType": str, "annotations": dict}
def shape(obj, allowed, required, what):
    ok = isinstance(obj, dict) and set(required) <= set(obj) and \
         set(obj) <= set(allowed) and \
         all(isinstance(obj[k], allowed[k]) for k in obj)
    check(ok, what + ": fields and types as the spec gives them")
    return ok
def descriptor(d, what, need_digest=False):
    shape(d, RD, ["digest"] if need_digest else [], what)
    check(any(k in d for k in ("uri", "digest", "content")), what + ": has uri, digest or content")
    if "digest" in d:
        check(all(isinstance(v, str) for v in d["digest"].values()), what + ": digest values are strings")
        for alg, v in d["digest"].items():
            if alg in ("sha256", "gitCommit", "nixNarSha256"):
                n = {"sha256": 64, "nixNarSha256": 64}.get(alg, 40)
                check(len(v) in (n, 64) and all(c in "0123456789abcdef" for c in v),
                      what + ": " + alg + " is lowercase hex")

want = {}
for line in open(sums):
    name, hexd = line.split()
    want[name] = hexd
m = json.load(open(lock))
lines = open(jsonl, "rb").read().split(b"\n")
check(lines[-1] == b"" and all(lines[:-1]), "every line ends in a newline, none is empty")
seen = {}
for raw_line in lines[:-1]:
    env = json.loads(raw_line)
    check(raw_line == json.dumps(env, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
          "the envelope is compact JSON with sorted keys")
    shape(env, {"payload": str, "payloadType": str, "signatures": list},
          ["payload", "payloadType", "signatures"], "envelope")
    check(env["payloadType"] == "application/vnd.in-toto+json", "payloadType")
    check(len(env["signatures"]) == 1, "one signature")
    shape(env["signatures"][0], {"keyid": str, "sig": str}, ["sig"], "signature")
    check(env["signatures"][0]["keyid"] == minisign_id, "keyid is the minisign key id")
    check(verifies(env), "the signature verifies with xpin.pub's key over the PAE")

    st = json.loads(base64.b64decode(env["payload"]))
    shape(st, {"_type": str, "subject": list, "predicateType": str, "predicate": dict},
          ["_type", "subject", "predicateType"], "Statement")
    check(st["_type"] == "https://in-toto.io/Statement/v1", "_type")
    check(st["predicateType"] == "https://slsa.dev/provenance/v1", "predicateType")
    p = st["predicate"]
    shape(p, {"buildDefinition": dict, "runDetails": dict}, ["buildDefinition", "runDetails"], "Provenance")
    bd, rd = p["buildDefinition"], p["runDetails"]
    shape(bd, {"buildType": str, "externalParameters": dict, "internalParameters": dict,
               "resolvedDependencies": list}, ["buildType", "externalParameters"], "BuildDefinition")
    shape(rd, {"builder": dict, "metadata": dict, "byproducts": list}, ["builder"], "RunDetails")
    shape(rd["builder"], {"id": str, "builderDependencies": list, "version": dict}, ["id"], "Builder")
    check(all(isinstance(v, str) for v in rd["builder"].get("version", {}).values()), "builder.version: string -> string")
    for d in bd.get("resolvedDependencies", []):
        descriptor(d, "resolvedDependency " + d.get("name", "?"))
    for d in rd.get("byproducts", []):
        descriptor(d, "byproduct " + d.get("name", "?"))
    target = bd["externalParameters"]["target"]
    t = m["targets"][target]
    nix = t["builder"] == "nix"
    check(bd["buildType"] == ("https://xpin.invalid/buildtypes/nix-flake/v1" if nix
                              else "https://xpin.invalid/buildtypes/command/v1"), target + ": buildType")
    check(bd["externalParameters"] == dict({"target": target, "triple": t["triple"]},
          **({"attr": t["attr"]} if nix else {"command": t["command"]})), target + ": externalParameters")
    deps = {d["name"]: d for d in bd["resolvedDependencies"]}
    check(deps["project"]["digest"] == {"gitCommit": m["project"]["commit"]}, target + ": the project commit")
    if nix:
        check(deps["flake.lock"]["digest"] == {"sha256": m["flakeLock"]["sha256"]}, target + ": flake.lock")
        for name, i in m["inputs"].items():
            nar = base64.b64decode(i["narHash"][len("sha256-"):]).hex()
            check(deps[name]["digest"] == {"gitCommit": i["rev"], "nixNarSha256": nar},
                  target + ": input " + name + ": rev and narHash")
    reb = [b for b in rd["byproducts"] if b.get("name") == "xpin-rebuild"][0]
    check(json.loads(base64.b64decode(reb["content"])) ==
          {"builds": 2, "reproducible": t["reproducible"], "differs": t["differs"]}, target + ": the two builds' verdict")
    for s in st["subject"]:
        descriptor(s, "subject " + s.get("name", "?"), need_digest=True)
        seen[s["name"]] = s["digest"]

    # Tampering: another digest in a subject, or any payload change.
    bad = json.loads(base64.b64decode(env["payload"]))
    bad["subject"][0]["digest"]["sha256"] = "0" * 64
    forged = dict(env, payload=base64.b64encode(json.dumps(bad, sort_keys=True, separators=(",", ":")).encode()).decode())
    check(not verifies(forged), target + ": an altered subject digest fails")
    body = bytearray(base64.b64decode(env["payload"])); body[-2] ^= 1
    check(not verifies(dict(env, payload=base64.b64encode(bytes(body)).decode())), target + ": a flipped payload byte fails")
    check(not verifies(dict(env, payloadType="application/json")), target + ": another payloadType fails")

check(seen == {n: {"sha256": h} for n, h in want.items()}, "the subjects are every file, with sha256sum's digests")
sys.exit(1 if failed else 0)
PY
"$py" "$TMP/check.py" xpin.pub xpin.intoto.jsonl "$TMP/sums" xpin.lock >"$TMP/py.out" 2>&1 ||
	{ grep -q '^not ok' "$TMP/py.out" || not_ok "the python check ran: $(tail -3 "$TMP/py.out")"; }
cat "$TMP/py.out" | grep -e '^ok ' -e '^not ok '
grep -q '^ok - the subjects are every file' "$TMP/py.out" || not_ok "the python check reached its end"

# Bad input.
expect_exit 2 "an unknown target: exit 2" "$XPIN" export slsa -o "$TMP/x" nosuch
"$XPIN" keygen -W -p "$TMP/other.pub" -s "$TMP/other.key" >/dev/null
expect_exit 3 "a secret key that did not sign xpin.lock: exit 3" \
	"$XPIN" export slsa -o "$TMP/x" -s "$TMP/other.key"
cp xpin.lock "$TMP/lock.good"
sed 's/"reproducible": true/"reproducible": false/' "$TMP/lock.good" >xpin.lock
expect_exit 3 "a tampered xpin.lock: exit 3" "$XPIN" export slsa -o "$TMP/x"
cp "$TMP/lock.good" xpin.lock
rm xpin.lock.minisig
expect_exit 3 "an unsigned xpin.lock: exit 3" "$XPIN" export slsa -o "$TMP/x"
[ ! -e "$TMP/x" ] && ok "nothing written" || not_ok "something written"

test_done
