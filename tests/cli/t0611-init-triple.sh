#!/bin/sh
# xpin init takes a package's triple from the package itself when it says
# (nixpkgs's stdenv.hostPlatform.config and isStatic, read with nix eval),
# and only guesses from the name otherwise, saying which. The expected
# triples are what the stand-in packages declare.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/f" && cd "$TMP/f" || exit 1
cat >flake.nix <<'NIX'
{
  outputs = { self }:
    let
      system = "x86_64-linux";
      drv = name: derivation { inherit name system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; };
      # As a nixpkgs cross package carries it.
      withPlatform = name: config: isStatic:
        drv name // { stdenv.hostPlatform = { inherit config isStatic; }; };
    in {
      packages.${system} = {
        tool = withPlatform "tool" "aarch64-unknown-linux-musl" true;
        server = withPlatform "server" "aarch64-unknown-linux-gnu" false;
        mac = withPlatform "mac" "aarch64-apple-darwin" false;
        broken = drv "broken" // { stdenv = throw "no stdenv here"; };
        hello-x86_64-musl = drv "hello-x86_64-musl";
      };
    };
}
NIX
git init -q . && git add flake.nix && git commit -qm f
expect_exit 0 "init" "$XPIN" init
triple() { python3 -c 'import json,sys; print(json.load(open("xpin.json"))["targets"][sys.argv[1]].get("triple", "-"))' "$1"; }
expect_eq "tool: the package's triple, not the host's guess" "aarch64-unknown-linux-musl" "$(triple tool)"
expect_eq "server: the package's triple" "aarch64-unknown-linux-gnu" "$(triple server)"
expect_eq "mac: a darwin package gets no Linux triple" "-" "$(triple mac)"
expect_eq "broken: a package that throws is guessed from its name" "x86_64-unknown-linux-gnu" "$(triple broken)"
expect_eq "hello-x86_64-musl: guessed from its name" "x86_64-unknown-linux-musl" "$(triple hello-x86_64-musl)"
expect_eq "tool: static as its platform says" "static static-pie" \
	"$(python3 -c 'import json; print(" ".join(json.load(open("xpin.json"))["targets"]["tool"]["expect"]["linkage"]))')"
expect_eq "server: not static" "none" \
	"$(python3 -c 'import json; print(json.load(open("xpin.json"))["targets"]["server"].get("expect", "none"))')"
expect_grep "the summary says where tool's triple came from" "tool .*aarch64-unknown-linux-musl.*(the package's platform)" "$TMP/out"
expect_grep "and where a guessed one came from" "hello-x86_64-musl .*(guessed from its name)" "$TMP/out"
expect_grep "the darwin package is named as not for Linux" "mac .*not for Linux" "$TMP/out"
test_done
