#!/bin/sh
# xpin export in-toto and in-toto-key on the cross example, checked by
# Debian's in-toto: securesystemslib reads the key file and computes the
# same keyid the links are named by; in-toto-verify accepts the layout and
# links over the files the targets built, and rejects an altered artifact,
# a missing one, an altered link and an altered layout. Also: the same
# bytes twice, an unknown target, a tampered xpin.lock, a foreign secret
# key and a folder already in use are refused.
. "$(dirname "$0")/../lib.sh"

# Debian 12 ships in-toto (make deps installs it); Debian 13 has only the
# Go implementation, which reads no securesystemslib key file: there the
# keyid comes from python3-securesystemslib and in-toto-verify's checks
# are skipped, saying so.
if itv=$(command -v in-toto-verify); then
	# The Python that runs in-toto has securesystemslib.
	py=$(sed -n '1s/^#! *//p' "$itv")
else
	itv= py=/usr/bin/python3
	echo "# in-toto-verify is not installed (Debian 13 ships no Python in-toto): its checks are skipped"
fi
$py -c 'import securesystemslib' 2>/dev/null || {
	not_ok "securesystemslib for $py (in-toto, or python3-securesystemslib; make deps)"; test_done; exit; }

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
expect_exit 0 "keygen -W" "$XPIN" keygen -W -p xpin.pub -s "$TMP/xpin.key"
export XPIN_SECRET_KEY="$(cat "$TMP/xpin.key")"
expect_exit 0 "lock two targets" "$XPIN" lock x86_64-linux-musl tool

# The key, as securesystemslib reads it.
expect_exit 0 "export in-toto-key" "$XPIN" export in-toto-key
expect_grep "in-toto-key: says what it wrote" "^wrote xpin.pub.intoto$" "$TMP/out"
keyid=$($py -c 'import sys, json, hashlib
try:
    from securesystemslib.interface import import_ed25519_publickey_from_file as load
    k = load(sys.argv[1])
except ImportError:
    # securesystemslib 1.x has no interface module: the keyid is the
    # SHA-256 of the canonical JSON of the public key metadata, encoded by
    # securesystemslib itself.
    from securesystemslib.formats import encode_canonical
    k = json.load(open(sys.argv[1]))
    meta = {f: k[f] for f in ("keytype", "scheme", "keyid_hash_algorithms", "keyval")}
    k["keyid"] = hashlib.sha256(encode_canonical(meta).encode()).hexdigest()
assert k["keytype"] == "ed25519" and k["scheme"] == "ed25519"
print(k["keyid"])' xpin.pub.intoto) && ok "securesystemslib loads xpin.pub.intoto" ||
	not_ok "securesystemslib loads xpin.pub.intoto"
expect_exit 0 "in-toto-key -o" "$XPIN" export in-toto-key -o "$TMP/k.pub"
expect_same "in-toto-key -o: the same key" xpin.pub.intoto "$TMP/k.pub"

# The links and the layout.
expect_exit 0 "export in-toto" "$XPIN" export in-toto
short=$(printf %.8s "$keyid")
for f in root.layout "tool.$short.link" "x86_64-linux-musl.$short.link"; do
	[ -f "in-toto/$f" ] && ok "in-toto/$f, named by securesystemslib's keyid" ||
		not_ok "no in-toto/$f (keyid $keyid)"
done
expect_eq "in-toto: nothing else" 3 "$(ls in-toto | wc -l)"
expect_exit 0 "export in-toto again, elsewhere" "$XPIN" export in-toto -o "$TMP/again"
if diff -r in-toto "$TMP/again" >"$TMP/diff"; then
	ok "exporting twice gives the same bytes"
else
	not_ok "exporting twice gives the same bytes"; head -10 "$TMP/diff"
fi
expect_exit 2 "in-toto: a folder in use is refused" "$XPIN" export in-toto
expect_one_line "in-toto: one line says why" "$TMP/err"
mkdir "$TMP/empty"
expect_exit 0 "in-toto: an empty folder is used" "$XPIN" export in-toto -o "$TMP/empty" tool
expect_eq "in-toto TARGET: its link and the layout" "root.layout tool.$short.link" \
	"$(ls "$TMP/empty" | tr '\n' ' ' | sed 's/ $//')"
expect_exit 2 "in-toto: an unknown target" "$XPIN" export in-toto -o "$TMP/u" nosuch
expect_grep "in-toto: names the unknown target" "nosuch" "$TMP/err"
[ ! -e "$TMP/u" ] && ok "unknown target: nothing written" || not_ok "unknown target: $TMP/u written"
"$XPIN" keygen -W -p "$TMP/other.pub" -s "$TMP/other.key" >/dev/null 2>&1
XPIN_SECRET_KEY=$(cat "$TMP/other.key") expect_exit 3 "in-toto: another secret key is refused" \
	"$XPIN" export in-toto -o "$TMP/o"
[ ! -e "$TMP/o" ] && ok "another key: nothing written" || not_ok "another key: $TMP/o written"
cp xpin.lock "$TMP/good.lock"
sed 's/"reproducible": true/"reproducible": false/' "$TMP/good.lock" >xpin.lock
expect_exit 3 "in-toto: a tampered xpin.lock is refused" "$XPIN" export in-toto -o "$TMP/t"
expect_exit 3 "in-toto-key: a tampered xpin.lock is refused" "$XPIN" export in-toto-key -o "$TMP/t.pub"
cp "$TMP/good.lock" xpin.lock

# The files as xpin export files lays them out (TARGET/PATH): the Nix
# target's from its store output, the command target's built again from
# the commit (it is reproducible).
out=$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["x86_64-linux-musl"]["outputs"]["out"])')
mkdir -p "$TMP/files/x86_64-linux-musl" "$TMP/files/tool/src/out"
cp -a "$out/." "$TMP/files/x86_64-linux-musl/" && chmod -R u+w "$TMP/files"
git clone -q "$proj" "$TMP/rebuild" &&
	SOURCE_DATE_EPOCH=1700432000 make -C "$TMP/rebuild/src" release >/dev/null 2>&1 &&
	cp "$TMP/rebuild/src/out/tool" "$TMP/files/tool/src/out/tool" ||
	not_ok "rebuild tool"

if [ -z "$itv" ]; then
	skip_all "in-toto-verify: not installed"
fi
if ! in-toto-verify --help 2>/dev/null | grep -q -e '--key-types'; then
	skip_all "in-toto-verify: this in-toto reads no securesystemslib key files (--key-types)"
fi
# verify NAME [EXIT] in the folder $TMP/v, over the links in $TMP/L
verify() {
	(cd "$TMP/v" && in-toto-verify -l "$TMP/L/root.layout" -k "$proj/xpin.pub.intoto" \
		-t ed25519 --link-dir "$TMP/L") >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$2" ]; then
		ok "in-toto-verify: $1"
	else
		not_ok "in-toto-verify: $1: exit $rc, wanted $2"
		sed 's/^/#   /' "$TMP/err" | head -5
	fi
}
fresh() { rm -rf "$TMP/v" "$TMP/L"; cp -a "$TMP/files" "$TMP/v"; cp -a "$proj/in-toto" "$TMP/L"; }

fresh
verify "accepts the layout and links over the built files" 0
verify "accepts again, with its inspection's link left in the folder" 0

fresh
printf 'x' >>"$TMP/v/x86_64-linux-musl/bin/hello"
verify "rejects an altered artifact" 1
expect_grep "altered artifact: the inspection's rule fails" \
	"RuleVerificationError: 'DISALLOW x86_64-linux-musl/\*' matched" "$TMP/err"

fresh
rm "$TMP/v/tool/src/out/tool"
verify "rejects a missing artifact" 1
expect_grep "missing artifact: REQUIRE fails" "REQUIRE tool/src/out/tool" "$TMP/err"

fresh
printf 'extra\n' >"$TMP/v/tool/src/out/extra"
verify "rejects a file the link does not name" 1
expect_grep "extra file: DISALLOW fails" "DISALLOW tool/\*" "$TMP/err"

fresh
link="$TMP/L/tool.$short.link"
python3 - "$link" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["signed"]["products"]["tool/src/out/tool"]
p["sha256"] = "0" * 64
json.dump(d, open(sys.argv[1], "w"))
PY
verify "rejects an altered link" 1
expect_grep "altered link: no validly signed link for the step" \
	"ThresholdVerificationError: Step 'tool'" "$TMP/err"

fresh
rm "$TMP/L/tool.$short.link"
verify "rejects a missing link" 1

fresh
python3 - "$TMP/L/root.layout" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["signed"]["inspect"][0]["expected_products"] = []
json.dump(d, open(sys.argv[1], "w"))
PY
verify "rejects an altered layout" 1
expect_grep "altered layout: its signature fails" "SignatureVerificationError" "$TMP/err"

fresh
"$XPIN" export in-toto -o "$TMP/other" tool >/dev/null 2>&1
cp "$TMP/other/root.layout" "$TMP/L/root.layout"
verify "a layout for one target checks that target alone" 0

test_done
