#!/bin/sh
# xpin pin with a mirror on git+file inputs, against real Nix: a flake
# locked by `nix flake lock` at the first commit of its input (and at an
# annotated tag) is moved by `xpin pin dep=main tagged=v1 --mirror ...`
# to a later commit (the tag moved there too); the lock is byte-identical
# to what `nix flake lock --update-input` writes, `nix build
# --no-update-lock-file` accepts it, and the report gives the commits
# between, as git counts them; pins --check accepts it. A short sha
# matches Nix's --override-input; --export-ignore=no hashes the tree as
# stored (a checkout, by nix hash path); moving back and sideways is
# reported as behind / ahead, behind.
#
# Which tree the installed Nix hashes (git archive's, with export-ignore,
# before Nix 2.20; the stored one after) is read off the lock Nix itself
# writes, compared with nix hash path of both trees; xpin must say it
# applied that Nix's rules, and --nix-rules of the other kind of version
# must give the other tree, which this Nix rejects.
. "$(dirname "$0")/../lib.sh"

system=$(uname -m)-linux
sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" one >"$TMP/commits"
mkdir "$TMP/top"
cd "$TMP/top" || exit 1
cat >flake.nix <<NIX
{
  inputs.dep = { url = "git+file://$TMP/dep"; flake = false; };
  inputs.tagged = { url = "git+file://$TMP/dep?ref=v1"; flake = false; };
  outputs = { self, dep, tagged }: {
    packages.$system.default = derivation {
      name = "xpin-t0111"; system = "$system"; builder = "/bin/sh";
      args = [ "-c" "read a < \${dep}/hello; read b < \${tagged}/hello; echo \$a \$b > \$out" ];
    };
  };
}
NIX
git init -q && git add flake.nix && git commit -qm top
expect_exit 0 "nix flake lock at the first commit" nix flake lock
git add flake.lock && git commit -qm lock
cp flake.lock "$TMP/before.lock"
ref=$(locked flake.lock dep ref)

sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" two >>"$TMP/commits"
sha() { sed -n "s/^$1 //p" "$TMP/commits"; }
git clone -q --mirror "$TMP/dep" "$TMP/mirror"
M=$TMP/mirror

# Both trees of c3, by nix hash path; Nix's own lock says which it takes.
mkdir "$TMP/checkout"
git --git-dir="$M" --work-tree="$TMP/checkout" checkout -q "$(sha c3)" -- .
stored=$(nix hash path "$TMP/checkout")
mkdir "$TMP/archive" && git -C "$M" archive "$(sha c3)" | tar -x -C "$TMP/archive"
archived=$(nix hash path "$TMP/archive")
[ "$stored" != "$archived" ] && ok "export-ignore changes the hash of c3" ||
	not_ok "export-ignore changes the hash of c3"
mkdir "$TMP/nixway" && cp flake.nix "$TMP/nixway/" && cp "$TMP/before.lock" "$TMP/nixway/flake.lock"
(cd "$TMP/nixway" && git init -q && git add . && git commit -qm nixway)
expect_exit 0 "nix flake lock --update-input dep --update-input tagged" \
	nix flake lock "$TMP/nixway" --update-input dep --update-input tagged
case $(locked "$TMP/nixway/flake.lock" dep narHash) in
"$archived") applied=applied other_rules=2.26 other=$stored ;;
"$stored") applied="not applied" other_rules=2.8 other=$archived ;;
*) applied="?" other_rules=? other=?; not_ok "Nix $(nix_version) hashed neither tree of c3" ;;
esac

expect_exit 0 "xpin pin dep=main tagged=v1 --mirror" "$XPIN" pin dep=main tagged=v1 \
	--mirror dep="$M" --mirror tagged="$M"
cp "$TMP/out" "$TMP/report"
ahead=$(git -C "$M" rev-list --count "$(sha c1)..$(sha c3)")
expect_grep "the report gives the date and the commits ahead" \
	"→ 'git+file://$TMP/dep?ref=$ref&rev=$(sha c3)' (2023-11-17, $ahead commits ahead)" "$TMP/report"
expect_grep "the report says the facts came from the mirror, under this Nix's rules" \
	"facts from mirror $M, export-ignore $applied (Nix $(nix_version) rules)" "$TMP/report"
expect_exit 0 "nix build --no-update-lock-file accepts the lock" \
	nix build --no-update-lock-file --no-link --json
out=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["outputs"]["out"])' "$TMP/out")
expect_eq "the build used the new commit for both inputs" "three three" "$(cat "$out")"

expect_same "xpin's lock is byte-identical to Nix's" "$TMP/nixway/flake.lock" flake.lock
expect_eq "Nix and xpin lock the tag by the tag object" "$(git -C "$M" rev-parse v1)" \
	"$(locked flake.lock tagged rev)"
expect_exit 0 "pins --check accepts xpin's lock" "$XPIN" pins --check --mirror dep="$M" --mirror tagged="$M"
expect_grep "pins --check names the rules" "^ok  *dep (mirror $M, export-ignore $applied; Nix $(nix_version) rules)" "$TMP/out"

# The other kind of Nix version's rules give the other tree, which this
# Nix refuses to build with.
cp flake.lock "$TMP/after.lock"
expect_exit 0 "--nix-rules $other_rules" "$XPIN" pin dep=main --nix-rules "$other_rules" --mirror dep="$M"
expect_eq "--nix-rules $other_rules: the other tree's narHash" "$other" "$(locked flake.lock dep narHash)"
expect_grep "--nix-rules $other_rules: said" "(Nix $other_rules.0 rules, --nix-rules)" "$TMP/out"
run nix build --no-update-lock-file --no-link
[ "$rc" -ne 0 ] && ok "this Nix rejects the other rule's narHash" ||
	not_ok "this Nix rejects the other rule's narHash"
expect_grep "... as a narHash mismatch" "NAR hash mismatch\\|mismatch in field 'narHash'" "$TMP/err"
cp "$TMP/after.lock" flake.lock

# The same again: nothing to do, nothing written.
expect_exit 0 "pinning again to main" "$XPIN" pin dep=main --mirror dep="$M"
expect_grep "pinning again: already at" "Input 'dep' is already at" "$TMP/out"
expect_same "pinning again: the file stays" "$TMP/after.lock" flake.lock

# --json carries the same facts.
expect_exit 0 "--json --dry-run" "$XPIN" --json pin --dry-run dep="$(sha c1)" --mirror dep="$M"
behind=$(git -C "$M" rev-list --count "$(sha c1)..$(sha c3)")
expect_eq "--json: facts, mirror, rule, commits, old and new rev" \
	"mirror $M $([ "$applied" = applied ] && echo True || echo False) 0 $behind $(sha c3) $(sha c1) False" \
	"$(python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["inputs"][0]
print(i["facts"], i["mirror"], i["exportIgnore"], i["commitsAhead"], i["commitsBehind"],
      i["old"]["rev"], i["new"]["rev"], json.load(open(sys.argv[1]))["written"])' "$TMP/out")"
expect_exit 0 "moving back" "$XPIN" pin --dry-run dep="$(sha c1)" --mirror dep="$M"
expect_grep "moving back: commits behind" "(2023-11-14, $behind commits behind)" "$TMP/out"
a=$(git -C "$M" rev-list --count "$(sha c3)..$(sha side1)")
b=$(git -C "$M" rev-list --count "$(sha side1)..$(sha c3)")
expect_exit 0 "moving sideways" "$XPIN" pin --dry-run dep=side --mirror dep="$M"
expect_grep "moving sideways: ahead and behind" \
	"(2023-11-16, $a commit ahead, $b behind)" "$TMP/out"

# A short sha: what `nix flake lock --override-input` locks for that rev.
short=$(git -C "$M" rev-parse --short=9 "$(sha c2)")
cp "$TMP/before.lock" flake.lock
expect_exit 0 "xpin pin dep=<short sha>" "$XPIN" pin dep="$short" --mirror dep="$M"
cp flake.lock "$TMP/short.lock"
cp "$TMP/before.lock" flake.lock
expect_exit 0 "nix flake lock --override-input dep ...?rev=<full sha>" \
	nix flake lock --override-input dep "git+file://$TMP/dep?ref=$ref&rev=$(sha c2)"
expect_eq "a short sha: the locked node is Nix's" "same" "$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["nodes"]["dep"]["locked"]
b = json.load(open(sys.argv[2]))["nodes"]["dep"]["locked"]
print("same" if a == b else "%r != %r" % (a, b))' "$TMP/short.lock" flake.lock)"

# Whatever the version: --export-ignore=no hashes the tree as stored,
# =yes as git archive writes it.
cp "$TMP/before.lock" flake.lock
expect_exit 0 "--export-ignore=no" "$XPIN" --json pin dep=main --export-ignore=no --mirror dep="$M"
expect_eq "--export-ignore=no: nix hash path of a checkout, and the rule said" \
	"$stored False" "$(python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["inputs"][0]
print(i["new"]["narHash"], i["exportIgnore"])' "$TMP/out")"
cp "$TMP/before.lock" flake.lock
expect_exit 0 "--export-ignore=yes" "$XPIN" pin dep=main --export-ignore=yes --mirror dep="$M"
expect_grep "--export-ignore=yes: nix hash path of git archive" "\"narHash\": \"$archived\"" flake.lock
test_done
