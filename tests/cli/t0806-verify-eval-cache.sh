#!/bin/sh
# verify --no-build keeps what Nix evaluated (each target's drvPath) in
# $XDG_CACHE_HOME/xpin/eval, keyed by the flake, the commit, flake.lock
# and the Nix that evaluates with its configuration, and asks Nix again
# only when one of those changed; what it must ask, it asks for all
# targets in one run of Nix. A `nix` first on PATH logs every run of the
# real one. Shown: a first check evaluates both targets in one run and
# fills the cache, a second runs no nix at all; a new commit, another NIX_CONFIG, a new
# flake.lock, a dirty tree (xpin.lock's signature included) and
# --no-eval-cache each evaluate again; an older signed manifest is
# refused with the cache warm; an entry that is a link is neither read
# nor written through, garbage is replaced, and a cache folder that is a
# link is not used; a check that runs no nix needs no temporary folder;
# a target that no longer evaluates is told as that target's failure.
. "$(dirname "$0")/../lib.sh"

signed_example
mkdir "$TMP/tmpdir"
export TMPDIR="$TMP/tmpdir"

real=$(command -v nix)
mkdir "$TMP/bin"
cat >"$TMP/bin/nix" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$TMP/nix.log"
exec "$real" "\$@"
EOF
chmod +x "$TMP/bin/nix"
export PATH="$TMP/bin:$PATH"
cache=$XDG_CACHE_HOME/xpin/eval
A=x86_64-linux-musl B=x86_64-linux-gnu

# check DESC EXIT RUNS [ARGS...]: verify --no-build of both targets
# exits EXIT and runs nix RUNS times: none when the cache answers, once
# when Nix is asked for both derivations at once (nix build --dry-run
# --json A B), and nothing else.
check() {
	desc=$1 want=$2 runs=$3
	shift 3
	: >"$TMP/nix.log"
	expect_exit "$want" "$desc: exit $want" "$XPIN" verify --no-build -p "$TMP/k.pub" "$@" $A $B
	cp "$TMP/out" "$TMP/check.out"; cp "$TMP/err" "$TMP/check.err"
	expect_eq "$desc: nix ran $runs times" "$runs" "$(wc -l <"$TMP/nix.log" | tr -d ' ')"
	[ "$runs" = 0 ] || expect_eq "$desc: once for both targets" "$runs" \
		"$(grep -c "^--extra-experimental-features nix-command flakes build --dry-run --json [^ ]*#packages.x86_64-linux.$A [^ ]*#packages.x86_64-linux.$B\$" "$TMP/nix.log")"
}
# drv ATTR: the derivation real Nix gives now, asked directly.
drv() { "$real" eval --raw ".#packages.x86_64-linux.$1.drvPath"; }
entries() { ls "$cache" 2>/dev/null | wc -l | tr -d ' '; }

expect_exit 0 "lock $A and $B" "$XPIN" lock $A $B
git add xpin.lock xpin.lock.minisig && git commit -qm "release 1"
cp xpin.lock "$TMP/r1.lock"; cp xpin.lock.minisig "$TMP/r1.minisig"

check "first check" 0 1
expect_eq "two entries are written" 2 "$(entries)"
sort "$cache"/* >"$TMP/entries"
printf '%s\n%s\n' "$(drv $A)" "$(drv $B)" | sort >"$TMP/want"
expect_same "they hold what nix eval gives" "$TMP/want" "$TMP/entries"
expect_eq "the folders are private" "drwx------ drwx------" \
	"$(ls -ld "$XDG_CACHE_HOME/xpin" "$cache" | cut -c1-10 | tr '\n' ' ' | sed 's/ $//')"
check "second check" 0 0
expect_grep "it says each target is ok" "^target $A: ok" "$TMP/check.out"

check "--no-eval-cache" 0 1 --no-eval-cache

# Nix's configuration is part of the key; the old one still hits.
conf=$NIX_CONFIG
NIX_CONFIG="$conf
keep-derivations = true"
check "another NIX_CONFIG" 0 1
check "that NIX_CONFIG again" 0 0
NIX_CONFIG=$conf
check "the first NIX_CONFIG again" 0 0

# A dirty tree is never looked up: a tracked file changed, an untracked
# file, or only the untrusted comment of xpin.lock's signature (xpin
# lock's output, which the manifest's dirty flag leaves out, but Nix
# sees the tree dirty all the same).
echo "# a comment" >>flake.nix
check "a changed tracked file" 0 1
git checkout -q flake.nix
echo note >NOTES
check "an untracked file" 0 1
rm NOTES
sed '1s/.*/untrusted comment: changed/' xpin.lock.minisig >"$TMP/sig" &&
	cp "$TMP/sig" xpin.lock.minisig
check "the signature's untrusted comment changed" 0 1
git checkout -q xpin.lock.minisig
check "clean again" 0 0

# A new commit.
echo note >NOTES && git add NOTES && git commit -qm notes
check "a new commit" 0 1
check "the new commit again" 0 0

# Another derivation: release 2 is locked, then release 1's signed
# manifest put back while its outputs are still present, first in the
# work tree, then committed; the second check of that commit is answered
# from the cache, and refused all the same.
echo 9.9.9 >src/VERSION && git commit -qam "version 9.9.9"
expect_exit 0 "lock release 2" "$XPIN" lock $A $B
git add xpin.lock xpin.lock.minisig && git commit -qm "release 2"
check "release 2" 0 1
check "release 2 again" 0 0
d=$(drv $A)
cp "$TMP/r1.lock" xpin.lock; cp "$TMP/r1.minisig" xpin.lock.minisig
check "release 1's manifest put back" 1 1
expect_grep "it names the derivation nix eval gives" "target '$A': another derivation: the flake gives $d" "$TMP/check.err"
git commit -qam "back to release 1"
check "release 1's manifest committed" 1 1
check "that commit again, from the cache" 1 0
expect_grep "it names the derivation nix eval gives" "target '$A': another derivation: the flake gives $d" "$TMP/check.err"
git checkout -q HEAD~1 -- xpin.lock xpin.lock.minisig
git commit -qm "release 2 again"
check "release 2 again, committed" 0 1

# A new flake.lock: nixpkgs moved to 23.05, locked and committed.
expect_exit 0 "pin nixpkgs=23.05" "$XPIN" pin nixpkgs=23.05
expect_exit 0 "lock with it" "$XPIN" lock $A $B
git commit -qam "nixpkgs 23.05"
check "a new flake.lock" 0 1
check "the new flake.lock again" 0 0

# From here on, the cache starts empty.
rm -rf "$XDG_CACHE_HOME/xpin"
check "an empty cache" 0 1

# An entry that is a link to a file elsewhere (holding another valid
# derivation) is not read, and the file it names stays as it was.
printf '%s\n' "/nix/store/00000000000000000000000000000000-planted.drv" >"$TMP/planted"
cp "$TMP/planted" "$TMP/planted.orig"
for e in "$cache"/*; do ln -sf "$TMP/planted" "$e"; done
check "entries that are links" 0 1
expect_same "the file they named is untouched" "$TMP/planted.orig" "$TMP/planted"
[ -z "$(find "$cache" -type l)" ] && ok "the links were replaced" ||
	not_ok "a link is left in the cache"
check "and then" 0 0

# Garbage is a miss, and is replaced by what Nix gives.
for e in "$cache"/*; do printf 'garbage\n' >"$e"; done
check "entries that are garbage" 0 1
sort "$cache"/* >"$TMP/entries"
printf '%s\n%s\n' "$(drv $A)" "$(drv $B)" | sort >"$TMP/want"
expect_same "they hold what nix eval gives again" "$TMP/want" "$TMP/entries"

# A cache folder that is a link (to a copy of the cache) is not used.
cp -R "$cache" "$TMP/copy"
rm -rf "$cache" && ln -s "$TMP/copy" "$cache"
ls -l "$TMP/copy" >"$TMP/copy.before"
check "the cache folder is a link" 0 1
ls -l "$TMP/copy" >"$TMP/copy.after"
expect_same "nothing was written through it" "$TMP/copy.before" "$TMP/copy.after"
rm "$cache" && mv "$TMP/copy" "$cache"
check "the folder back" 0 0

# Nothing to run, nothing to log: no temporary folder is needed.
TMPDIR="$TMP/no/such/folder"
check "no TMPDIR to write to" 0 0
TMPDIR="$TMP/tmpdir"
expect_eq "nothing was left in TMPDIR" "" "$(ls "$TMP/tmpdir")"

# One target that no longer evaluates: Nix's run for both fails, then
# each target asks on its own (nix eval), so the failure is told for the
# target it is about, with Nix's reason, and the other is checked.
sed -i 's|^\( *\)x86_64-linux-musl = mk {|\1x86_64-linux-musl = throw "musl is gone"; unused = mk {|' flake.nix
git commit -qam "musl is gone"
: >"$TMP/nix.log"
expect_exit 4 "a target that does not evaluate: exit 4" "$XPIN" verify --no-build -p "$TMP/k.pub" $A $B
expect_eq "nix ran three times" 3 "$(wc -l <"$TMP/nix.log" | tr -d ' ')"
expect_eq "both at once, then each" "build eval eval" \
	"$(awk '{ print $4 }' "$TMP/nix.log" | tr '\n' ' ' | sed 's/ $//')"
expect_grep "the failure names the target and Nix's reason" "target '$A': .*musl is gone" "$TMP/err"
expect_grep "the other target is checked" "^target $B: ok" "$TMP/out"
test_done
