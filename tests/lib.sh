# Sourced by every tests/cli/t*.sh. Gives each script its own temporary
# folder, a private HOME and Nix configuration (offline, no sandbox, no
# substituters: the user's configuration is never read or touched), and
# small assertion helpers that print "ok - ..." or "not ok - ...".
set -u
: "${XPIN:?XPIN must name the xpin binary}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VEC=$ROOT/vectors
TMP=$(mktemp -d "${TMPDIR:-/tmp}/xpin-t.XXXXXX")
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" \
	XDG_CACHE_HOME="$TMP/home/.cache" XDG_DATA_HOME="$TMP/home/.local/share"
mkdir -p "$HOME" "$XDG_CONFIG_HOME"
export NIX_CONFIG='experimental-features = nix-command flakes
sandbox = false
substituters =
build-users-group =
flake-registry =
warn-dirty = false'
export NIX_USER_CONF_FILES="$TMP/home/no-nix.conf"
export GIT_CONFIG_GLOBAL="$TMP/home/gitconfig" GIT_CONFIG_NOSYSTEM=1
git config --global user.name "xpin test"
git config --global user.email "test@xpin.invalid"
git config --global init.defaultBranch main
git config --global protocol.file.allow always
unset NO_COLOR XPIN_MIRRORS XPIN_SECRET_KEY XPIN_PASSWORD 2>/dev/null || :
export LC_ALL=C TZ=UTC

# Every script ends with test_done, or leaves early only through skip_all:
# tests/run.sh counts a script that stops without saying so (an exit or a
# failing `set -e` command half-way) as a failure, as git's test-lib does.
test_done() { echo "# xpin-test-done"; exit 0; }
skip_all() { echo "# skipped: $*"; test_done; }

ok() { echo "ok - $*"; }

# The installed Nix's version ("2.26.3"), as xpin names the rules it uses.
nix_version() { nix --version | sed -n 's/^nix (Nix) //p'; }
# locked FILE NODE FIELD: a field of a node's locked object.
locked() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["nodes"][sys.argv[2]]["locked"].get(sys.argv[3], ""))' "$@"
}
not_ok() { echo "not ok - $*"; }

# signed_example: the cross example set up in $TMP/ex and entered, and a
# fresh unencrypted key pair ($TMP/k.pub, $TMP/k.key), the secret key in
# XPIN_SECRET_KEY.
signed_example() {
	proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
		not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
	cd "$proj" || exit 1
	"$XPIN" keygen -W -p "$TMP/k.pub" -s "$TMP/k.key" >/dev/null
	export XPIN_SECRET_KEY="$(cat "$TMP/k.key")"
}

# run CMD...: runs it, stdout in $TMP/out, stderr in $TMP/err, code in $rc.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# expect_exit CODE DESC CMD...
expect_exit() {
	want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc: exit $rc, wanted $want"
		sed 's/^/#   err: /' "$TMP/err" | head -5
		sed 's/^/#   out: /' "$TMP/out" | head -5
	fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   expected: %s\n#   actual:   %s\n' "$2" "$3" | head -20
	fi
}

# expect_same DESC FILE1 FILE2: byte-for-byte equal
expect_same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diff -u "$2" "$3" | head -20 | sed 's/^/#   /'
	fi
}

# expect_grep DESC PATTERN FILE
expect_grep() {
	if grep -q -e "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1: no '$2' in $(basename "$3")"
		head -5 "$3" | sed 's/^/#   /'
	fi
}

# expect_one_line DESC FILE: exactly one line, starting "xpin: "
expect_one_line() {
	if [ "$(wc -l <"$2")" -eq 1 ] && grep -q '^xpin: ' "$2"; then
		ok "$1"
	else
		not_ok "$1: not one 'xpin: ' line"
		head -5 "$2" | sed 's/^/#   /'
	fi
}
