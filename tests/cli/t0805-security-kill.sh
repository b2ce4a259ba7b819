#!/bin/sh
# SIGKILL at random moments (XPIN_KILL_TRIALS, 100 by default, for each
# command) of `xpin keygen -f`, `xpin pin`, `xpin sign` and `xpin lock`:
# every file is always whole, the old or the new one; a key pair or a
# signed manifest is one that verifies (minisign -V for keys, xpin verify
# for xpin.lock, which reads the signature an interrupted lock left
# waiting), after the next run settles what a kill left between two
# renames; and the next run leaves no temporary or staged file.
. "$(dirname "$0")/../lib.sh"

N=${XPIN_KILL_TRIALS:-100}
# Random delays in milliseconds, 0 to max, from awk's generator.
delays() { awk -v n="$N" -v max="$1" -v seed="$2" 'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%d\n", rand() * (max + 1) }'; }
killed() { # ms, command...: run it, SIGKILL it after ms
	ms=$1; shift
	"$@" >/dev/null 2>&1 &
	p=$!
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
keyid() { # key file's id, from its base64 line (secret: offset 54)
	python3 - "$1" "$2" <<'PY'
import base64, sys
raw = base64.b64decode(open(sys.argv[1]).read().split("\n")[1])
off = int(sys.argv[2])
print(raw[off:off + 8].hex())
PY
}
leftovers() { ls -A "$1" | grep -E '\.xpin-(tmp|new)' || true; }
# Counted, and named in the output.
left() { l=$(leftovers .); [ -z "$l" ] && return 1; echo "# left behind: $l"; }

# keygen -f over an existing pair.
mkdir "$TMP/k" && cd "$TMP/k" || exit 1
"$XPIN" keygen -W -p k.pub -s k.key >/dev/null
printf 'msg\n' >f
bad=0 mixed=0 changed=0 last=$(keyid k.pub 2)
for ms in $(delays 12 1); do
	killed "$ms" "$XPIN" keygen -W -f -p k.pub -s k.key
	# Right after the kill: the old pair, the new pair, or the new
	# secret with its public key waiting beside the old one.
	if [ "$(keyid k.key 54)" != "$(keyid k.pub 2)" ]; then
		if [ -e k.pub.xpin-new ] && [ ! -e k.key.xpin-new ] &&
		   [ "$(keyid k.key 54)" = "$(keyid k.pub.xpin-new 2)" ]; then
			mixed=$((mixed + 1))
		else
			bad=$((bad + 1))
		fi
	fi
	if ! "$XPIN" sign -s k.key -p k.pub f >/dev/null 2>&1 ||
	   ! minisign -V -q -p k.pub -m f >/dev/null 2>&1; then
		bad=$((bad + 1))
	fi
	left && bad=$((bad + 1))
	now=$(keyid k.pub 2); [ "$now" != "$last" ] && changed=$((changed + 1)); last=$now
done
expect_eq "keygen -f killed $N times: always a pair that verifies" 0 "$bad"
echo "# keygen -f: a new pair $changed times; between the renames $mixed times"
[ "$changed" -gt 0 ] && [ "$changed" -lt "$N" ] && ok "keygen -f: the kills fell before and after the replacement" ||
	not_ok "keygen -f: the kills never split ($changed new of $N)"

# sign over an existing signature.
bad=0
"$XPIN" sign -s k.key -p k.pub -t first f >/dev/null
for ms in $(delays 10 2); do
	killed "$ms" "$XPIN" sign -s k.key -p k.pub -t "t$ms" f
	minisign -V -q -p k.pub -m f >/dev/null 2>&1 || bad=$((bad + 1))
done
"$XPIN" sign -s k.key -p k.pub f >/dev/null
left && bad=$((bad + 1))
expect_eq "sign killed $N times: the signature always verifies, nothing left" 0 "$bad"

# pin between two revisions: flake.lock is always one of the two.
mkdir "$TMP/pin" && cd "$TMP/pin" || exit 1
cp "$VEC/flake-lock/NixOS__nix.flake.lock" flake.lock
nar=sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
r1=1111111111111111111111111111111111111111
r2=2222222222222222222222222222222222222222
"$XPIN" pin flake-compat=$r1 --nar-hash $nar --last-modified 1700000000 >/dev/null && cp flake.lock "$TMP/A"
"$XPIN" pin flake-compat=$r2 --nar-hash $nar --last-modified 1700000001 >/dev/null && cp flake.lock "$TMP/B"
bad=0 i=0
for ms in $(delays 12 3); do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then r=$r2 t=1700000001; else r=$r1 t=1700000000; fi
	killed "$ms" "$XPIN" pin flake-compat=$r --nar-hash $nar --last-modified $t
	if ! cmp -s flake.lock "$TMP/A" && ! cmp -s flake.lock "$TMP/B"; then
		bad=$((bad + 1))
		echo "# after a kill at $ms ms: $(ls -l flake.lock)"
		diff "$TMP/A" flake.lock | head -5 | sed 's/^/#   /'
	fi
done
"$XPIN" pin flake-compat=$r1 --nar-hash $nar --last-modified 1700000000 >/dev/null
left && bad=$((bad + 1))
expect_eq "pin killed $N times: flake.lock always whole, old or new" 0 "$bad"

# lock between two configurations: xpin.lock and its signature verify.
mkdir "$TMP/l" && cd "$TMP/l" || exit 1
git init -q .
printf '{ "targets": { "t": { "command": "true", "artifacts": ["xpin.json"] } } }\n' >xpin.json
git add xpin.json && git commit -qm l
cp "$TMP/k/k.key" "$TMP/k/k.pub" "$TMP/"
printf '{ "targets": { "t": { "command": ": other", "artifacts": ["xpin.json"] } } }\n' >"$TMP/other.json"
"$XPIN" -q lock -s "$TMP/k.key" >/dev/null
bad=0 i=0
for ms in $(delays 45 4); do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then c=xpin.json; else c=$TMP/other.json; fi
	killed "$ms" "$XPIN" lock -s "$TMP/k.key" -c "$c"
	if grep -q ': other' xpin.lock; then c=$TMP/other.json; else c=xpin.json; fi
	"$XPIN" verify --no-build -p "$TMP/k.pub" -c "$c" >/dev/null 2>&1 || bad=$((bad + 1))
done
"$XPIN" -q lock -s "$TMP/k.key" >/dev/null
minisign -V -q -p "$TMP/k.pub" -m xpin.lock >/dev/null 2>&1 || bad=$((bad + 1))
left && bad=$((bad + 1))
expect_eq "lock killed $N times: xpin.lock and its signature always verify" 0 "$bad"
test_done
