#!/bin/sh
# xpin pins --check recomputes each locked input's narHash (and
# lastModified, revCount) from its mirror: exit 0 on a lock `nix flake
# lock` wrote (an annotated tag locked by its tag object included), exit 1
# naming the input on an altered one, with expected and computed values;
# a lock whose narHash is the tree as stored (what newer Nix records for
# git inputs, here `nix hash path` of a checkout) is told apart and passes
# with --export-ignore=no. It never writes. Bad input is exit 2, one line.
. "$(dirname "$0")/../lib.sh"

sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" one >"$TMP/commits"
sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" two >>"$TMP/commits"
c3=$(sed -n 's/^c3 //p' "$TMP/commits")
git clone -q --mirror "$TMP/dep" "$TMP/mirror"
M=$TMP/mirror
mkdir "$TMP/top"
cd "$TMP/top" || exit 1
cat >flake.nix <<NIX
{
  inputs.dep = { url = "git+file://$TMP/dep"; flake = false; };
  inputs.tagged = { url = "git+file://$TMP/dep?ref=v1"; flake = false; };
  outputs = { self, dep, tagged }: { };
}
NIX
git init -q && git add flake.nix && git commit -qm top
expect_exit 0 "nix flake lock" nix flake lock
cp flake.lock "$TMP/nix.lock"

expect_exit 0 "a lock Nix wrote: exit 0" "$XPIN" pins --check --mirror dep="$M" --mirror tagged="$M"
expect_grep "dep is ok, under this Nix's rules" "^ok  *dep (mirror $M, export-ignore [a-z ]*; Nix $(nix_version) rules)" "$TMP/out"
expect_grep "the tag-object rev of tagged is ok" "^ok  *tagged " "$TMP/out"
expect_grep "the summary" "^2 ok, 0 mismatches, 0 unchecked" "$TMP/out"
expect_same "--check writes nothing" "$TMP/nix.lock" flake.lock
expect_exit 0 "only one mirror: exit 0" "$XPIN" pins --check --mirror dep="$M"
expect_grep "only one mirror: the other is unchecked" "^unchecked  *tagged (no mirror)" "$TMP/out"

# alter FIELD VALUE: the lock Nix wrote with dep's FIELD set to VALUE.
alter() {
	python3 - "$TMP/nix.lock" "$1" "$2" >flake.lock <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
v = sys.argv[3]
doc["nodes"]["dep"]["locked"][sys.argv[2]] = int(v) if v.isdigit() else v
print(json.dumps(doc, indent=2, sort_keys=True))
EOF
}
good=$(python3 -c 'import json; print(json.load(open("flake.lock"))["nodes"]["dep"]["locked"]["narHash"])')
# Another real narHash (of the first commit's archive), so only the
# content is wrong, not the form.
mkdir "$TMP/c1" && git -C "$M" archive "$(sed -n 's/^c1 //p' "$TMP/commits")" | tar -x -C "$TMP/c1"
other=$(nix hash path "$TMP/c1")
alter narHash "$other"
expect_exit 1 "an altered narHash: exit 1" "$XPIN" pins --check --mirror dep="$M" --mirror tagged="$M"
expect_one_line "an altered narHash: one line on stderr" "$TMP/err"
expect_grep "an altered narHash: the input is named" "^xpin: an input does not match its mirror: dep$" "$TMP/err"
expect_grep "an altered narHash: expected and computed" \
	"^mismatch  *dep: narHash $other in the lock, $good computed" "$TMP/out"
expect_grep "an altered narHash: the other input is still ok" "^ok  *tagged " "$TMP/out"
expect_exit 1 "an altered narHash, -q: exit 1" "$XPIN" -q pins --check --mirror dep="$M"
expect_eq "an altered narHash, -q: nothing on stdout" "" "$(cat "$TMP/out")"
expect_exit 1 "an altered narHash, --json: exit 1" "$XPIN" --json pins --check --mirror dep="$M" --mirror tagged="$M"
expect_eq "--json: status, expected, computed, fields" "dep mismatch $other $good narHash False | tagged ok" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a, b = d["inputs"]
print(a["path"], a["status"], a["expected"]["narHash"], a["computed"]["narHash"],
      ",".join(a["mismatched"]), a["otherRuleMatches"], "|", b["path"], b["status"])' "$TMP/out")"

alter revCount 99
expect_exit 1 "an altered revCount: exit 1" "$XPIN" pins --check --mirror dep="$M"
expect_grep "an altered revCount: said" \
	"^mismatch  *dep: revCount 99 in the lock, $(git -C "$M" rev-list --count "$c3") computed" "$TMP/out"

# The tree the other kind of Nix version hashes: as stored (2.20 on) or
# as git archive writes it (before), whichever Nix's own lock is not.
mkdir "$TMP/checkout" "$TMP/archive"
git --git-dir="$M" --work-tree="$TMP/checkout" checkout -q "$c3" -- .
stored=$(nix hash path "$TMP/checkout")
git -C "$M" archive "$c3" | tar -x -C "$TMP/archive"
archived=$(nix hash path "$TMP/archive")
case $good in
"$archived") other=$stored other_rules=2.26 other_word="not applied" other_ei=no ;;
"$stored") other=$archived other_rules=2.8 other_word=applied other_ei=yes ;;
*) other=? other_rules=? other_word=? other_ei=?; not_ok "Nix hashed neither tree" ;;
esac
alter narHash "$other"
expect_exit 1 "a lock of the other rule, this Nix's rules: exit 1" "$XPIN" pins --check --mirror dep="$M"
expect_grep "the other rule is named" "export-ignore $other_word, as Nix .* hashes git inputs: try --nix-rules $other_rules" "$TMP/out"
expect_exit 0 "a lock of the other rule, --nix-rules $other_rules: exit 0" \
	"$XPIN" pins --check --mirror dep="$M" --nix-rules "$other_rules"
expect_grep "--nix-rules: ok and the rule said" "^ok  *dep (mirror $M, export-ignore $other_word; Nix $other_rules.0 rules, --nix-rules)" "$TMP/out"
expect_exit 0 "a lock of the other rule, --export-ignore=$other_ei: exit 0" \
	"$XPIN" pins --check --mirror dep="$M" --export-ignore=$other_ei
expect_grep "--export-ignore: ok and the rule said" "^ok  *dep (mirror $M, export-ignore $other_word; --export-ignore)" "$TMP/out"
expect_exit 0 "--json: the rule" "$XPIN" --json pins --check --mirror dep="$M" --nix-rules "$other_rules"
expect_eq "--json: the rule's source, version and tree" "given $other_rules.0 $([ $other_ei = yes ] && echo True || echo False)" \
	"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["inputs"][0]["rule"]
print(r["from"], r["nixVersion"], r["exportIgnore"])' "$TMP/out")"

# Bad input.
cp "$TMP/nix.lock" flake.lock
git init -q "$TMP/unrelated" && git -C "$TMP/unrelated" commit -q --allow-empty -m x
mkdir "$TMP/plain"
refuse() {
	r_desc=$1 r_pat=$2
	shift 2
	expect_exit 2 "$r_desc: exit 2" "$XPIN" pins "$@"
	expect_one_line "$r_desc: one line" "$TMP/err"
	expect_grep "$r_desc: says why" "$r_pat" "$TMP/err"
	expect_same "$r_desc: lock unchanged" "$TMP/nix.lock" flake.lock
}
refuse "a mirror without the locked rev" "input 'dep': rev $c3 is not in '$TMP/unrelated'" \
	--check --mirror dep="$TMP/unrelated"
refuse "a mirror that is not a repository" "'$TMP/plain' is not a git repository" \
	--check --mirror dep="$TMP/plain"
refuse "a mirror for an input the lock lacks" "no input 'nope' in flake.lock" --check --mirror nope="$M"
refuse "--mirror without --check" "--mirror and --export-ignore go with --check" --mirror dep="$M"
refuse "a malformed --mirror" "--mirror: 'dep' is not INPUT=DIR" --check --mirror dep
refuse "a bad --export-ignore" "--export-ignore must be yes or no" --check --export-ignore=sometimes
refuse "a bad --nix-rules" "--nix-rules: 'latest' is not a Nix version" --check --mirror dep="$M" --nix-rules latest
# No Nix to ask: the rules must be given; given, no Nix is needed.
mkdir "$TMP/nobin" && ln -s "$(command -v git)" "$TMP/nobin/git"
expect_exit 2 "no nix and no --nix-rules: exit 2" env PATH="$TMP/nobin" "$XPIN" pins --check --mirror dep="$M"
expect_one_line "no nix and no --nix-rules: one line" "$TMP/err"
expect_grep "no nix and no --nix-rules: says why" \
	"cannot tell how the Nix that reads this lock hashes git inputs.*give --nix-rules VERSION" "$TMP/err"
expect_exit 0 "no nix, --nix-rules: checked" env PATH="$TMP/nobin" "$XPIN" pins --check --mirror dep="$M" \
	--nix-rules "$(nix_version)"
test_done
