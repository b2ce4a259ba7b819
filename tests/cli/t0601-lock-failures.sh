#!/bin/sh
# xpin lock on what must fail: a target that embeds its build time, a
# binary with a /nix/store interpreter (unless allowed), a command target
# and a Rust one that embed their build path; a build that fails to run
# (exit 4); a bad xpin.json (exit 2). The command builder's reproducible
# targets (make, and cargo with the build folder remapped) pass.
. "$(dirname "$0")/../lib.sh"

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
# One configuration with the extra targets, kept outside the work tree.
python3 - "$TMP/all.json" <<'PY'
import json, sys
a = json.load(open("xpin.json")); b = json.load(open("xpin.extra.json"))
a["targets"].update(b["targets"])
json.dump(a, open(sys.argv[1], "w"), indent=2)
PY

expect_exit 1 "a target that embeds the build time: exit 1" "$XPIN" lock --no-sign -c "$TMP/all.json" timestamp
expect_grep "it is named as not reproducible" "FAIL timestamp: NOT reproducible" "$TMP/out"
expect_grep "the differing artifact is named" "differs: bin/hello" "$TMP/out"
expect_grep "the short diff names .rodata and the timestamp" "bin/hello: .rodata differs.*looks like a timestamp" "$TMP/out"
expect_eq "the manifest records it as not reproducible" "False ['bin/hello']" \
	"$(python3 -c 'import json; t=json.load(open("xpin.lock"))["targets"]["timestamp"]; print(t["reproducible"], t["differs"])')"

expect_exit 1 "a /nix/store interpreter fails the policy" "$XPIN" lock --no-sign -c "$TMP/all.json" x86_64-linux-gnu-nixstore
expect_grep "the warning says it will not run on an ordinary distribution" "nix-store-interpreter" "$TMP/out"
expect_grep "the runpath is named too" "nix-store-runpath" "$TMP/out"
python3 - "$TMP/all.json" "$TMP/allow.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["targets"]["x86_64-linux-gnu-nixstore"].setdefault("expect", {})["allow_nix_store"] = True
json.dump(a, open(sys.argv[2], "w"))
PY
expect_exit 0 "allow_nix_store lets it pass" "$XPIN" lock --no-sign -c "$TMP/allow.json" x86_64-linux-gnu-nixstore

expect_exit 0 "a command target (make release) is reproducible" "$XPIN" lock --no-sign -c "$TMP/all.json" tool
tool=$(python3 -c 'import json; print(json.dumps(json.load(open("xpin.lock"))["targets"]["tool"]["variations"], sort_keys=True))')
case $tool in *Kiritimati*077*|*077*Kiritimati*) ok "the variations are recorded" ;; *) not_ok "variations: $tool" ;; esac
# The same bytes as a plain build of the committed tree, by sha256sum.
mkdir "$TMP/plain" && git archive HEAD | tar -x -C "$TMP/plain"
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) make -s -C "$TMP/plain/src" release >/dev/null 2>&1
expect_eq "the tool's sha256 is sha256sum of a plain build" \
	"$(sha256sum "$TMP/plain/src/out/tool" | cut -d' ' -f1)" \
	"$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["tool"]["artifacts"]["src/out/tool"]["sha256"])')"
mkdir "$TMP/tmpdir"
TMPDIR="$TMP/tmpdir" expect_exit 1 "a command target that embeds its build path: exit 1" "$XPIN" lock --no-sign -c "$TMP/all.json" leaky
expect_grep "it names the artifact" "differs: src/out/leaky" "$TMP/out"
expect_grep "the short diff flags the build path" "leaky: .*looks like an embedded build path" "$TMP/out"
expect_eq "no build folder or log is left behind" "" "$(ls "$TMP/tmpdir")"

# The same in Rust: cargo's line tables name the folder the crate was
# compiled in; remapped (rust-tool), two builds agree.
TMPDIR="$TMP/tmpdir" expect_exit 1 "a Rust command target with its build folder in its line tables: exit 1" \
	"$XPIN" lock --no-sign -c "$TMP/all.json" rust-leaky
expect_grep "it names the artifact" "differs: rust/out/hello-leaky" "$TMP/out"
expect_grep "the short diff flags the build path in .debug_str" \
	"hello-leaky: \.debug_str differs.*looks like an embedded build path" "$TMP/out"
expect_eq "no build folder or log is left behind" "" "$(ls "$TMP/tmpdir")"
expect_exit 0 "its twin with --remap-path-prefix is reproducible" \
	"$XPIN" lock --no-sign -c "$TMP/all.json" rust-tool
make -s -C "$TMP/plain/rust" release >/dev/null 2>&1
expect_eq "rust-tool's sha256 is sha256sum of a plain build elsewhere" \
	"$(sha256sum "$TMP/plain/rust/out/hello" | cut -d' ' -f1)" \
	"$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["rust-tool"]["artifacts"]["rust/out/hello"]["sha256"])')"

# A build that fails to run: exit 4 and the log named.
python3 - "$TMP/all.json" "$TMP/broken.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["targets"] = {"broken": {"attr": "packages.x86_64-linux.no-such-package",
                           "triple": "x86_64-unknown-linux-gnu"}}
json.dump(a, open(sys.argv[2], "w"))
PY
cp xpin.lock "$TMP/before.lock"
expect_exit 4 "a build that fails: exit 4" "$XPIN" lock --no-sign -c "$TMP/broken.json"
expect_grep "the failure names the log" "log: .*broken.build.log" "$TMP/err"
# Nix's own reason, as nix build prints it for the same reference.
nix build --no-link --json "$proj#packages.x86_64-linux.no-such-package" \
	>/dev/null 2>"$TMP/nix.err"
reason=$(sed -n 's/^error: *\(..*\)/\1/p' "$TMP/nix.err" | tail -1 | cut -c1-60)
[ -n "$reason" ] && ok "nix build itself names a reason" || not_ok "nix said: $(cat "$TMP/nix.err")"
expect_grep "the failure quotes Nix's reason" "failed: .*$(printf '%s' "$reason" | sed 's/[][\.*^$/]/\\&/g')" "$TMP/err"
expect_same "a failed lock leaves xpin.lock as it was" "$TMP/before.lock" xpin.lock
log=$(sed -n 's/.*log: \([^)]*\)).*/\1/p' "$TMP/err" | head -1)
[ -s "$log" ] && ok "the log exists and says something" || not_ok "log $log"
python3 - "$TMP/all.json" "$TMP/slow.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["targets"] = {"slow": {"command": "sleep 30", "artifacts": ["x"], "timeout": 1}}
json.dump(a, open(sys.argv[2], "w"))
PY
expect_exit 4 "a build past its timeout: exit 4" "$XPIN" lock --no-sign -c "$TMP/slow.json"
expect_grep "the timeout is named" "longer than 1 s" "$TMP/err"

# Bad configuration: exit 2, one line, naming the key.
printf '{"targets": {"a": {"attr": "x", "colour": "red"}}}\n' >"$TMP/bad.json"
expect_exit 2 "an unknown key: exit 2" "$XPIN" lock --no-sign -c "$TMP/bad.json"
expect_grep "the unknown key is named with its position" 'bad.json:1:[0-9]*: unknown key "colour"' "$TMP/err"
printf '{"targets": {"a": {"attr": "x", "command": "y"}}}\n' >"$TMP/bad.json"
expect_exit 2 "attr and command: exit 2" "$XPIN" lock --no-sign -c "$TMP/bad.json"
printf '{"targets": {"a": {"attr": "x", "triple": "vax-dec-ultrix"}}}\n' >"$TMP/bad.json"
expect_exit 2 "an unknown triple: exit 2" "$XPIN" lock --no-sign -c "$TMP/bad.json"
expect_exit 2 "an unknown target: exit 2" "$XPIN" lock --no-sign nope
expect_grep "the known targets are listed" "targets: aarch64-linux-musl" "$TMP/err"
# No usable key: refused before any build, and xpin.lock is left as it was.
cp xpin.lock "$TMP/before.lock"
XDG_CONFIG_HOME="$TMP/nokey" expect_exit 2 "no secret key: exit 2" "$XPIN" lock x86_64-linux-musl
expect_grep "no secret key: says how to make one" "xpin keygen" "$TMP/err"
expect_same "no secret key: xpin.lock untouched" "$TMP/before.lock" xpin.lock
printf 'untrusted comment: not a key\nAAAA\n' >"$TMP/bad.key"
expect_exit 3 "a corrupt secret key: exit 3" "$XPIN" lock -s "$TMP/bad.key" x86_64-linux-musl
expect_same "a corrupt secret key: xpin.lock untouched" "$TMP/before.lock" xpin.lock
[ ! -e xpin.lock.minisig ] && ok "no signature was ever written" || not_ok "a signature appeared"
test_done
