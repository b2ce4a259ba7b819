#!/bin/sh
# xpin lock and xpin verify end to end with real Nix on the cross example:
# exit codes, the real minisign accepting the signature, sha256sum and
# readelf agreeing with the manifest, determinism, and verify catching a
# flipped byte, a moved pin and a replaced store output.
. "$(dirname "$0")/../lib.sh"

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
expect_exit 0 "keygen -W" "$XPIN" keygen -W -p "$TMP/xpin.pub" -s "$TMP/xpin.key"
export XPIN_SECRET_KEY="$(cat "$TMP/xpin.key")"

expect_exit 0 "lock: every target reproducible and within policy" "$XPIN" lock -j 2
expect_grep "lock: reports the aarch64 target" "^ok aarch64-linux-musl: reproducible" "$TMP/out"
cp "$TMP/out" "$TMP/lock.out"
expect_exit 0 "minisign -V accepts xpin.lock.minisig" minisign -V -p "$TMP/xpin.pub" -m xpin.lock
expect_grep "minisign shows xpin's trusted comment" "file:xpin.lock" "$TMP/out"

# Every artifact's sha256 and size equal sha256sum and stat of the output.
python3 - "$proj/xpin.lock" >"$TMP/arts" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for name, t in sorted(m["targets"].items()):
    if t["builder"] != "nix":
        continue
    out = t["outputs"]["out"]
    for rel, a in sorted(t["artifacts"].items()):
        if "sha256" in a:
            print(name, out + "/" + rel, a["sha256"], a["size"])
PY
n=0
while read -r name path sum size; do
	n=$((n + 1))
	expect_eq "$name ${path##*/}: sha256 as sha256sum says" "$(sha256sum "$path" | cut -d' ' -f1)" "$sum"
	expect_eq "$name ${path##*/}: size as stat says" "$(stat -c %s "$path")" "$size"
done <"$TMP/arts"
[ "$n" -ge 4 ] && ok "artifacts checked: $n" || not_ok "only $n artifacts"

# The aarch64 artifact: aarch64 and static, as readelf and file say.
a64=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"]["aarch64-linux-musl"]; print(t["outputs"]["out"] + "/bin/hello")' xpin.lock)
facts=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["targets"]["aarch64-linux-musl"]["artifacts"]["bin/hello"]["elf"]; print(e["machine"], e["linkage"], e["class"])' xpin.lock)
expect_eq "aarch64 artifact recorded as aarch64, static, 64-bit" "aarch64 static 64" "$facts"
readelf -hW "$a64" | grep -q 'Machine:.*AArch64' && ok "readelf: AArch64" || not_ok "readelf: AArch64"
file -b "$a64" | grep -q 'statically linked' && ok "file: statically linked" || not_ok "file: statically linked"
dyn=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["targets"]["x86_64-linux-gnu"]["artifacts"]["bin/hello"]["elf"]; print(e["interpreter"], e["glibc"])' xpin.lock)
gnu=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"]["x86_64-linux-gnu"]; print(t["outputs"]["out"] + "/bin/hello")' xpin.lock)
interp=$(readelf -lW "$gnu" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
glibc=$(readelf -VW "$gnu" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
expect_eq "gnu artifact: interpreter and glibc floor as readelf says" "$interp $glibc" "$dyn"

# The whole matrix is what its triples say, by readelf and file, not by
# xpin: the machine; the linkage xpin recorded; a glibc binary carries
# glibc's ABI note (file: "for GNU/Linux"), a musl one does not and holds
# no glibc message. Rust targets hold Rust's panic entry point (nm).
python3 - xpin.json xpin.lock >"$TMP/matrix" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["targets"]; m = json.load(open(sys.argv[2]))["targets"]
for name, t in sorted(m.items()):
    if t["builder"] == "nix":
        e = t["artifacts"]["bin/hello"]["elf"]
        print(name, c[name]["triple"], t["outputs"]["out"] + "/bin/hello", e["machine"], e["linkage"])
PY
n=0
while read -r name triple path machine linkage; do
	n=$((n + 1))
	case $(readelf -hW "$path" | sed -n 's/^ *Machine: *//p') in
	AArch64) real=aarch64 ;;
	*X86-64) real=x86_64 ;;
	*) real=other ;;
	esac
	f=$(file -b "$path")
	case $f in
	*"static-pie linked"*) kind=static-pie ;;
	*"statically linked"*) kind=static ;;
	*) kind=dynamic ;;
	esac
	case $f in *"for GNU/Linux"*) libc=glibc ;; *) libc=musl ;; esac
	[ "$libc" = musl ] && strings "$path" | grep -q glibc && libc="musl, with glibc strings"
	case $triple in *-musl) want=musl ;; *) want=glibc ;; esac
	expect_eq "$name: ${triple%%-*}, $kind, $want as readelf and file say" \
		"${triple%%-*} $kind $want" "$real $linkage $libc"
	expect_eq "$name: xpin.lock records libc $want" "$want" \
		"$(python3 -c 'import json,sys; t=json.load(open("xpin.lock"))["targets"][sys.argv[1]]; print(t["artifacts"]["bin/hello"]["elf"].get("libc"))' "$name")"
	case $name in rust-*)
		nm "$path" | grep -q ' T rust_panic$' && ok "$name: built from Rust" ||
			not_ok "$name: no rust_panic in its symbols" ;;
	esac
done <"$TMP/matrix"
[ "$n" -ge 8 ] && ok "matrix targets checked: $n" || not_ok "only $n matrix targets"
grep -q '^ok rust-tool: reproducible' "$TMP/lock.out" && ok "the remapped Rust command target is reproducible" ||
	not_ok "rust-tool: $(grep rust-tool "$TMP/lock.out")"
# The /nix/store interpreter, fixed by patchelf in the build: readelf's
# interpreter, as recorded, and no runpath left.
fixed=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"]["x86_64-linux-gnu-patchelf"]; print(t["outputs"]["out"] + "/bin/hello")' xpin.lock)
expect_eq "patchelf'd artifact: the interpreter readelf reads, recorded" \
	"$(readelf -lW "$fixed" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p') -" \
	"$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["targets"]["x86_64-linux-gnu-patchelf"]["artifacts"]["bin/hello"]["elf"]; print(e["interpreter"], e.get("runpath") or "-")' xpin.lock)"
readelf -dW "$fixed" | grep -q -e RUNPATH -e RPATH && not_ok "patchelf'd artifact: a runpath is left" ||
	ok "patchelf'd artifact: no runpath, as readelf says"
nar=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["targets"]["x86_64-linux-gnu"]["narHash"])' xpin.lock)
expect_eq "output narHash as nix hash path says" "$(nix hash path "${gnu%/bin/hello}")" "$nar"

# Deterministic: a second lock writes the same bytes.
cp xpin.lock "$TMP/lock1"
expect_exit 0 "lock again" "$XPIN" -q lock
expect_same "lock twice: identical xpin.lock" "$TMP/lock1" xpin.lock
python3 -c 'import json,sys; s=open(sys.argv[1]).read(); assert s == json.dumps(json.loads(s), indent=2, sort_keys=True, ensure_ascii=False) + "\n"' xpin.lock &&
	ok "xpin.lock is canonical JSON" || not_ok "xpin.lock is canonical JSON"
grep -q '"dirty": false' xpin.lock && ok "a clean tree is recorded clean" || not_ok "a clean tree is recorded clean"

expect_exit 0 "verify" "$XPIN" verify -p "$TMP/xpin.pub"
expect_grep "verify: says each target is ok" "target aarch64-linux-musl: ok" "$TMP/out"
expect_exit 0 "verify --json" "$XPIN" --json verify -p "$TMP/xpin.pub"
expect_eq "verify --json: ok true" "True 0" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ok"], d["exit"])' "$TMP/out")"
expect_exit 0 "verify --no-build of the nix targets" "$XPIN" verify -p "$TMP/xpin.pub" --no-build \
	aarch64-linux-musl x86_64-linux-gnu x86_64-linux-gnu-static-pie x86_64-linux-musl

# A flipped byte: exit 3.
cp xpin.lock "$TMP/good.lock"
python3 - <<'PY'
b = bytearray(open("xpin.lock", "rb").read())
i = b.index(b'"reproducible": true') + 17
b[i] ^= 1
open("xpin.lock", "wb").write(b)
PY
expect_exit 3 "verify: a flipped byte in xpin.lock: exit 3" "$XPIN" verify -p "$TMP/xpin.pub"
expect_one_line "verify: a flipped byte: one line" "$TMP/err"
cp "$TMP/good.lock" xpin.lock
expect_exit 3 "verify: another key: exit 3" "$XPIN" verify -P RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3
expect_exit 2 "verify: no xpin.lock: exit 2" "$XPIN" -C "$TMP" verify -p "$TMP/xpin.pub"

# A moved pin: exit 1, naming the input and both revs.
cp flake.lock "$TMP/flake.lock.good"
old=$(git -C "$TMP/ex/inputs/nixpkgs" rev-parse HEAD)
new=$(git -C "$TMP/ex/inputs/nixpkgs" rev-parse 'HEAD^')
mkdir "$TMP/exp" && git -C "$TMP/ex/inputs/nixpkgs" archive "$new" | tar -x -C "$TMP/exp"
expect_exit 0 "xpin pin nixpkgs to its previous commit" "$XPIN" pin "nixpkgs=$new" \
	--nar-hash "$(nix hash path "$TMP/exp")" \
	--last-modified "$(git -C "$TMP/ex/inputs/nixpkgs" log -1 --format=%ct "$new")" \
	--rev-count "$(git -C "$TMP/ex/inputs/nixpkgs" rev-list --count "$new")"
expect_exit 1 "verify: a moved pin: exit 1" "$XPIN" verify -p "$TMP/xpin.pub"
expect_grep "verify: names the input" "input 'nixpkgs'" "$TMP/err"
expect_grep "verify: gives both revs" "$new.*$old" "$TMP/err"
cp "$TMP/flake.lock.good" flake.lock

# A replaced store output: exit 1, naming the artifact; then put it back.
out=${gnu%/bin/hello}
cp "$gnu" "$TMP/hello.orig"
restore() { chmod u+w "$out/bin" "$gnu"; cat "$TMP/hello.orig" >"$gnu"; chmod 0555 "$gnu"; chmod 0555 "$out/bin"; }
chmod u+w "$out/bin" "$gnu" && printf 'X' | dd of="$gnu" bs=1 seek=100 conv=notrunc 2>/dev/null
chmod 0555 "$gnu" "$out/bin"
expect_exit 1 "verify --no-build: a replaced store output: exit 1" "$XPIN" verify -p "$TMP/xpin.pub" --no-build x86_64-linux-gnu
expect_grep "verify --no-build: names the artifact" "target 'x86_64-linux-gnu': artifact 'bin/hello'" "$TMP/err"
expect_exit 1 "verify (rebuild): a replaced store output: exit 1" "$XPIN" verify -p "$TMP/xpin.pub" x86_64-linux-gnu
expect_grep "verify (rebuild): names the artifact" "artifact 'bin/hello'" "$TMP/err"
restore
expect_same "the store output is restored" "$TMP/hello.orig" "$gnu"
expect_exit 0 "verify after restoring" "$XPIN" verify -p "$TMP/xpin.pub" x86_64-linux-gnu
test_done
