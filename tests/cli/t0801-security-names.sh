#!/bin/sh
# Names from xpin.json cannot reach outside xpin's own files: a target
# name that is not a plain name, an artifact with '.', '..' or empty
# parts or an absolute path, and an attr that reads as an option are
# refused (exit 2, one line, nothing written). The attack they made
# possible, a target named ../../../../TMP/v with TMP/v.build1.log a link
# to a victim, leaves the victim as it was. A log folder is xpin's own,
# mode 0700, and a failure's log is a new file in it.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/p" && cd "$TMP/p" || exit 1
printf 'mkdir -p out; echo x >out/x\n' >build.sh
git init -q . && git add build.sh && git commit -qm p

refuse() { # what, target-name-json, target-json
	printf '{ "targets": { %s: %s } }\n' "$2" "$3" >"$TMP/bad.json"
	expect_exit 2 "$1: exit 2" "$XPIN" lock --no-sign -c "$TMP/bad.json"
	expect_one_line "$1: one line" "$TMP/err"
	[ ! -e xpin.lock ] && ok "$1: no xpin.lock" || not_ok "$1: xpin.lock written"
}
cmd='{ "command": "sh build.sh", "artifacts": ["out/x"] }'
refuse "an empty target name" '""' "$cmd"
refuse "a target name with a newline" '"a\nb"' "$cmd"
expect_grep "the name is shown without its newline" "target name 'a?b'" "$TMP/err"
refuse "a target name with a slash" '"../x"' "$cmd"
refuse "a target name starting with '.'" '".hidden"' "$cmd"
refuse "a target name starting with '-'" '"-x"' "$cmd"
for a in '.' 'out/.' 'out/../out/x' '/etc/passwd' 'out//x' 'out/' '../x'; do
	refuse "artifact '$a'" '"t"' "{ \"command\": \"sh build.sh\", \"artifacts\": [\"$a\"] }"
done
expect_grep "the artifact message says why" "relative path inside the build folder" "$TMP/err"
refuse "an attr that reads as an option" '"t"' '{ "attr": "-L" }'
refuse "an attr with a space" '"t"' '{ "attr": "packages.x86_64-linux.a b" }'

printf 'old\n' >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/v.build1.log"
refuse "the name that once wrote through a link" "\"../../../../../../../..$TMP/v\"" "$cmd"
expect_eq "the victim is untouched" "old" "$(cat "$TMP/victim")"

# Plain names of every allowed kind are taken.
printf '{ "targets": { "x86_64-linux.musl+static_2": %s } }\n' "$cmd" >xpin.json
git add xpin.json && git commit -qm names
expect_exit 0 "a name with '.', '-', '+' and '_': locked" "$XPIN" lock --no-sign

# A failing build: its log folder is 0700 and the log was made there.
printf '{ "targets": { "f": { "command": "echo nope >&2; exit 3", "artifacts": ["x"] } } }\n' >"$TMP/fail.json"
expect_exit 4 "a failing build: exit 4" "$XPIN" lock --no-sign -c "$TMP/fail.json"
dir=$(sed -n 's/.*build logs are in \(.*\)$/\1/p' "$TMP/err" | head -1)
expect_eq "its log folder is 0700" "700" "$(stat -c %a "$dir" 2>/dev/null)"
expect_grep "the log holds the build's output" "nope" "$dir/f.build1.log"
rm -rf "$dir"

# audit: an old commit holding a link named like a log (tool.build1.log
# -> a victim) cannot make the audit write through it; the logs are in a
# folder of the audit's own.
mkdir "$TMP/a" && cd "$TMP/a" || exit 1
printf 'old\n' >"$TMP/victim2"
printf '{ "targets": { "tool": { "command": "echo built; mkdir -p o; echo 1 >o/x", "artifacts": ["o/x"] } } }\n' >xpin.json
ln -s "$TMP/victim2" tool.build1.log
ln -s "$TMP/victim2" tool.build.log
git init -q . && git add -A && git commit -qm a
"$XPIN" keygen -W -p xpin.pub -s "$TMP/a.key" >/dev/null
expect_exit 0 "lock a commit holding log-named links" "$XPIN" -q lock -s "$TMP/a.key"
git add xpin.lock xpin.lock.minisig xpin.pub && git commit -qm release && git tag v1
expect_exit 0 "audit it" "$XPIN" audit -p xpin.pub v1
expect_eq "the link's target is untouched" "old" "$(cat "$TMP/victim2")"
test_done
