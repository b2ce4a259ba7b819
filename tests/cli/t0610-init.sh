#!/bin/sh
# xpin init on the cross example and two small flakes: the drafted
# targets and attributes against `nix eval` run here, "default" against
# the drvPaths Nix gives, pins against flake.lock's root read by python,
# the guessed architecture and linkage against readelf and file on the
# built packages, `xpin lock` on the draft; refusals and their exit codes.
. "$(dirname "$0")/../lib.sh"

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
sys=$(nix eval --raw --impure --expr builtins.currentSystem)

# What the draft must say, from Nix and flake.lock, not from xpin:
# every package but "default" when it is another package's derivation;
# attr packages.SYS.NAME; pins the root inputs that are not follows.
expected() {
	nix eval --json ".#packages.$sys" \
		--apply 'ps: builtins.mapAttrs (n: p: p.drvPath) ps' >"$TMP/drvs.json" ||
		not_ok "nix eval of the drvPaths"
	python3 - "$sys" "$TMP/drvs.json" <<'PY'
import json, os, sys
system, drvs = sys.argv[1], json.load(open(sys.argv[2]))
names = sorted(drvs)
if "default" in drvs and any(n != "default" and d == drvs["default"]
                             for n, d in drvs.items()):
    names.remove("default")
pins = []
if os.path.exists("flake.lock"):
    lk = json.load(open("flake.lock"))
    root = lk["nodes"][lk["root"]].get("inputs", {})
    pins = sorted(k for k, v in root.items() if isinstance(v, str))
print(json.dumps({"pins": pins, "targets": {n: "packages.%s.%s" % (system, n)
                                            for n in names}}, sort_keys=True))
PY
}
# The same facts as xpin.json states them (attribute names unquoted: that
# Nix reads a quoted one back is checked on its own below).
drafted() {
	python3 - <<'PY'
import json
d = json.load(open("xpin.json"))
print(json.dumps({"pins": d["pins"],
                  "targets": {n: t["attr"].replace('"', "")
                              for n, t in d["targets"].items()}},
                 sort_keys=True))
PY
}
canonical() {
	python3 -c 'import json,sys; s=open(sys.argv[1]).read(); assert s == json.dumps(json.loads(s), indent=2, sort_keys=True, ensure_ascii=False) + "\n"' "$1"
}

# An existing xpin.json (the example has one) is kept without -f.
cp xpin.json "$TMP/orig.json"
expect_exit 2 "init refuses to overwrite xpin.json" "$XPIN" init
expect_one_line "... in one line" "$TMP/err"
expect_grep "... and says -f" "use -f" "$TMP/err"
expect_same "... and leaves it as it was" "$TMP/orig.json" xpin.json

expect_exit 0 "init -f" "$XPIN" init -f
expect_grep "it says what it wrote" "^wrote xpin.json: " "$TMP/out"
expect_grep "it asks to review the triples" 'review each "triple"' "$TMP/out"
expect_grep "it says why 'default' is left out" "^skipped 'default'" "$TMP/out"
cp xpin.json "$TMP/draft1"
canonical xpin.json && ok "xpin.json is canonical JSON" || not_ok "xpin.json is canonical JSON"
expect_eq "targets, attrs and pins as nix eval and flake.lock say" \
	"$(expected)" "$(drafted)"
grep -q '"default"' "$TMP/drvs.json" && ! grep -q '"default"' xpin.json &&
	ok "the example's default, an alias, is not a target" ||
	not_ok "the example's default, an alias, is not a target"

expect_exit 0 "init -f --json" "$XPIN" --json init -f
expect_same "--json prints the bytes written" xpin.json "$TMP/out"
expect_same "a second draft is the same bytes" "$TMP/draft1" xpin.json
expect_exit 0 "init -f --system (the host's, given)" "$XPIN" -q init -f --system "$sys"
expect_same "... the same draft" "$TMP/draft1" xpin.json
[ ! -s "$TMP/out" ] && ok "-q prints nothing" || not_ok "-q prints nothing"

# The guesses against the real binaries: build every drafted attr, then
# readelf's machine must be the triple's architecture, and file must say
# static exactly where the draft expects a static linkage.
python3 - >"$TMP/guess" <<'PY'
import json
for n, t in sorted(json.load(open("xpin.json"))["targets"].items()):
    print(n, t["attr"], t["triple"].split("-")[0], "static" if "expect" in t else "dynamic")
PY
set -- $(cut -d' ' -f2 "$TMP/guess" | sed 's/^/.#/')
nix build --no-link --json "$@" >"$TMP/built.json" 2>"$TMP/build.err" ||
	{ not_ok "nix build of the drafted attrs"; head -5 "$TMP/build.err"; }
python3 -c 'import json,sys; [print(b["outputs"]["out"]) for b in json.load(open(sys.argv[1]))]' \
	"$TMP/built.json" >"$TMP/outs"
n=0
paste -d' ' "$TMP/guess" "$TMP/outs" >"$TMP/pairs"
while read -r name attr arch link out; do
	n=$((n + 1))
	case $(readelf -hW "$out/bin/hello" | sed -n 's/^ *Machine: *//p') in
	AArch64) real=aarch64 ;;
	*X86-64) real=x86_64 ;;
	*) real=other ;;
	esac
	case $(file -b "$out/bin/hello") in
	*"statically linked"* | *"static-pie linked"*) kind=static ;;
	*) kind=dynamic ;;
	esac
	expect_eq "$name: guessed arch and linkage as readelf and file say" \
		"$real $kind" "$arch $link"
done <"$TMP/pairs"
[ "$n" -ge 6 ] && ok "guesses checked: $n" || not_ok "only $n guesses checked"

# The draft is a working configuration.
expect_exit 0 "xpin lock on the draft's musl targets" \
	"$XPIN" lock --no-sign -c xpin.json x86_64-linux-musl aarch64-linux-musl
expect_grep "... aarch64 reproducible within policy" \
	"^ok aarch64-linux-musl: reproducible" "$TMP/out"

# Refusals: nothing is written, one line each.
expect_exit 2 "a system without packages" "$XPIN" init -f --system aarch64-linux
expect_one_line "... in one line" "$TMP/err"
expect_grep "... naming it" "packages.aarch64-linux" "$TMP/err"
expect_same "... xpin.json untouched" "$TMP/draft1" xpin.json
expect_exit 2 "a malformed --system" "$XPIN" init -f --system 'x86_64 linux'
expect_one_line "... in one line" "$TMP/err"
mkdir "$TMP/nonix"
expect_exit 4 "no nix to run" env PATH="$TMP/nonix" "$XPIN" init -f
expect_one_line "... in one line" "$TMP/err"
expect_same "... xpin.json untouched" "$TMP/draft1" xpin.json
mkdir "$TMP/empty"
expect_exit 2 "not a flake" "$XPIN" -C "$TMP/empty" init
expect_one_line "... in one line" "$TMP/err"
[ ! -e "$TMP/empty/xpin.json" ] && ok "... nothing written" || not_ok "... nothing written"

# A flake with one package, "default", and no inputs: it is kept, no pins.
mk_flake() {
	mkdir -p "$1"
	cat >"$1/flake.nix"
}
mk_flake "$TMP/one" <<EOF
{
  outputs = { self }: {
    packages.$sys.default = derivation {
      name = "one"; system = "$sys"; builder = "/bin/sh";
      args = [ "-c" "echo one >\$out" ];
    };
  };
}
EOF
cd "$TMP/one" || exit 1
expect_exit 0 "init: a flake whose only package is default" "$XPIN" init
expect_eq "... default kept, no pins" "$(expected)" "$(drafted)"
[ ! -e flake.lock ] && ok "... (there is no flake.lock)" || not_ok "... (there is no flake.lock)"

# default a package of its own beside others, a name that needs quoting,
# and a root input that follows another: not a pin.
mk_flake "$TMP/two" <<EOF
{
  inputs.nixpkgs.url = "git+file://$TMP/ex/inputs/nixpkgs";
  inputs.np.follows = "nixpkgs";
  outputs = { self, nixpkgs, np }:
    let d = n: derivation {
      name = n; system = "$sys"; builder = "/bin/sh";
      args = [ "-c" "echo \${n} >\$out" ];
    };
    in { packages.$sys = { default = d "a"; other = d "b"; "v1.2" = d "c"; }; };
}
EOF
cd "$TMP/two" || exit 1
nix flake lock 2>"$TMP/lock.err" || { not_ok "nix flake lock"; head -3 "$TMP/lock.err"; }
grep -q '"np": \[' flake.lock && ok "flake.lock has a root follows" || not_ok "flake.lock has a root follows"
expect_exit 0 "init: default of its own, a dotted name, a root follows" "$XPIN" init
# Nix reads a dotted name back only quoted: compare that, then the rest.
expect_eq "... the dotted name's attr is quoted and names it" "c" \
	"$(nix eval --raw ".#$(python3 -c 'import json; print(json.load(open("xpin.json"))["targets"]["v1.2"]["attr"])')".name)"
expect_eq "... targets and pins" "$(expected)" "$(drafted)"
test_done
