#!/bin/sh
# xpin pin with mirrors refuses bad input with exit 2, one line on stderr
# and the lock unchanged: an unknown ref, a mirror that is not a
# repository or does not exist, a rev the mirror lacks, an input the lock
# lacks, a malformed or repeated --mirror, a bad --export-ignore, what a
# mirror cannot reproduce (submodules, mercurial, a shallow mirror's
# revCount), and a failure in the second of two inputs (nothing written).
. "$(dirname "$0")/../lib.sh"

sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" one >/dev/null
sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" two >/dev/null
git clone -q --mirror "$TMP/dep" "$TMP/mirror"
M=$TMP/mirror
mkdir "$TMP/top" "$TMP/plain"
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
cp flake.lock "$TMP/before.lock"
lock=$TMP/before.lock

# refuse DESC PATTERN ARGS...: xpin pin ARGS exits 2 with one line
# matching PATTERN and leaves the lock as it was.
refuse() {
	r_desc=$1 r_pat=$2
	shift 2
	expect_exit 2 "$r_desc: exit 2" "$XPIN" pin "$@"
	expect_one_line "$r_desc: one line" "$TMP/err"
	expect_grep "$r_desc: says why" "$r_pat" "$TMP/err"
	expect_same "$r_desc: lock unchanged" "$lock" flake.lock
}
refuse "an unknown ref" "input 'dep': unknown ref 'no-such-branch' in '$M'" \
	dep=no-such-branch --mirror dep="$M"
refuse "a mirror that is not a repository" "'$TMP/plain' is not a git repository" \
	dep=main --mirror dep="$TMP/plain"
refuse "a mirror that does not exist" "cannot open the repository '$TMP/nowhere'" \
	dep=main --mirror dep="$TMP/nowhere"
refuse "a rev the mirror lacks" "rev 0123456789abcdef0123456789abcdef01234567 is not in '$M'" \
	dep=0123456789abcdef0123456789abcdef01234567 --mirror dep="$M"
refuse "a short sha the mirror lacks" "unknown ref 'abcdef0'" dep=abcdef0 --mirror dep="$M"
refuse "an input the lock lacks" "no input 'nope' in flake.lock (inputs: dep, tagged)" \
	nope=main --mirror nope="$M"
refuse "a --mirror for an input the lock lacks" "no input 'typo' in flake.lock" \
	dep=main --mirror dep="$M" --mirror typo="$M"
refuse "--mirror without '='" "--mirror: 'dep' is not INPUT=DIR" dep=main --mirror dep
refuse "--mirror without an input" "--mirror: '=$M' is not INPUT=DIR" dep=main --mirror "=$M"
refuse "--mirror without a folder" "--mirror: 'dep=' is not INPUT=DIR" dep=main --mirror dep=
refuse "--mirror twice for an input" "a second mirror for input 'dep'" \
	dep=main --mirror dep="$M" --mirror dep="$M"
refuse "a bad --export-ignore" "--export-ignore must be yes or no, not 'maybe'" \
	dep=main --mirror dep="$M" --export-ignore=maybe
refuse "the second input fails: nothing written" "unknown ref 'no-such-tag'" \
	dep=main tagged=no-such-tag --mirror dep="$M" --mirror tagged="$M"
refuse "INPUT=REF without a ref" "'dep=' is not INPUT=REF" dep= --mirror dep="$M"

git clone -q --depth 1 "file://$TMP/dep" "$TMP/shallow" 2>/dev/null
refuse "a shallow mirror for a git input's revCount" "'$TMP/shallow' is a shallow clone" \
	dep=main --mirror dep="$TMP/shallow"

# Inputs a mirror cannot reproduce.
python3 - "$TMP/before.lock" >"$TMP/odd.lock" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["nodes"]["dep"]["locked"]["submodules"] = True
doc["nodes"]["tagged"]["locked"]["type"] = "hg"
doc["nodes"]["tagged"]["original"]["type"] = "hg"
print(json.dumps(doc, indent=2, sort_keys=True))
EOF
cp "$TMP/odd.lock" flake.lock
lock=$TMP/odd.lock
refuse "a git input with submodules" "input 'dep' fetches git submodules" dep=main --mirror dep="$M"
refuse "a mercurial input" "input 'tagged' is of type 'hg'" tagged=v1 --mirror tagged="$M"
test_done
