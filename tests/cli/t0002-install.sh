#!/bin/sh
# make install honours PREFIX and DESTDIR and installs the man pages.
. "$(dirname "$0")/../lib.sh"

cd "$ROOT" || exit 1
expect_exit 0 "make install DESTDIR PREFIX" make -s install DESTDIR="$TMP/dest" PREFIX=/opt/xp
[ -x "$TMP/dest/opt/xp/bin/xpin" ] && ok "binary in DESTDIR/PREFIX/bin" || not_ok "binary in DESTDIR/PREFIX/bin"
for m in man/*.1; do
	[ -f "$TMP/dest/opt/xp/share/man/man1/$(basename "$m")" ] &&
		ok "$(basename "$m") installed" || not_ok "$(basename "$m") installed"
done
expect_exit 0 "the installed binary runs" "$TMP/dest/opt/xp/bin/xpin" --version
expect_exit 0 "make uninstall" make -s uninstall DESTDIR="$TMP/dest" PREFIX=/opt/xp
[ -e "$TMP/dest/opt/xp/bin/xpin" ] && not_ok "uninstall removes the binary" || ok "uninstall removes the binary"
test_done
