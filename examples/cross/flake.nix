{
  description = "xpin example: one C program built for a cross matrix with the host's compilers";

  # Pinned, not used to build: the derivations below need nothing from
  # these inputs, so the example builds offline. setup.sh replaces the
  # placeholders with git+file:// URLs of small local repositories.
  inputs = {
    nixpkgs.url = "@NIXPKGS_URL@";
    rust-overlay.url = "@RUST_OVERLAY_URL@";
    rust-overlay.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { self, nixpkgs, rust-overlay }:
    let
      system = "x86_64-linux";
      chomp = s: builtins.replaceStrings [ "\n" ] [ "" ] s;
      version = chomp (builtins.readFile ./src/VERSION);

      # The one thing read from an input: the version file that nixpkgs
      # keeps at its root. It goes into the binaries, so moving the
      # nixpkgs pin changes what is built, as it would in a real project.
      nixpkgsVersion =
        let f = "${nixpkgs}/.version";
        in if builtins.pathExists f then chomp (builtins.readFile f) else "unknown";

      # A glibc store path that does not exist: the interpreter and runpath
      # that `nix build` of a crossSystem package leaves in a binary.
      storeGlibc = "/nix/store/00000000000000000000000000000000-glibc-2.37";

      # Built by /bin/sh with the host's compilers (Nix with sandbox = false),
      # no nixpkgs. Reproducible because nothing varies between two builds:
      # fixed flags, no -g (so no build folder in the binary), the source
      # compiled by its relative name, no time or date.
      mk = { name, target, cc, flags ? "", defs ? "", post ? "" }:
        derivation {
          name = "hello-${name}-${version}";
          inherit system;
          builder = "/bin/sh";
          args = [
            "-c"
            ''
              set -eu
              cp "$src/hello.c" hello.c
              mkdir -p "$out/bin"
              ${cc} -O2 -Wall ${flags} \
                -DVERSION='"${version}"' -DTARGET='"${target}"' \
                -DNIXPKGS_VERSION='"${nixpkgsVersion}"' ${defs} \
                -o "$out/bin/hello" hello.c
              ${post}
              ln -s hello "$out/bin/hello-link"
            ''
          ];
          PATH = "/usr/bin:/bin";
          src = ./src;
        };

      targets = {
        # glibc, dynamically linked: interpreter /lib64/ld-linux-x86-64.so.2.
        x86_64-linux-gnu = mk {
          name = "x86_64-linux-gnu";
          target = "x86_64-linux-gnu";
          cc = "gcc";
        };

        # glibc, static PIE: no interpreter, ET_DYN.
        x86_64-linux-gnu-static-pie = mk {
          name = "x86_64-linux-gnu-static-pie";
          target = "x86_64-linux-gnu static-pie";
          cc = "gcc";
          flags = "-fPIE -static-pie";
        };

        # musl, static (musl-gcc from Debian's musl-tools), stripped.
        x86_64-linux-musl = mk {
          name = "x86_64-linux-musl";
          target = "x86_64-linux-musl";
          cc = "musl-gcc";
          flags = "-static -s";
        };

        # Named for the matrix (aarch64-unknown-linux-musl), but Debian has
        # no aarch64 musl cross compiler: this is aarch64 glibc linked
        # statically (aarch64-linux-gnu-gcc -static), stripped. The ELF
        # facts xpin checks (aarch64, static, no interpreter) are the same.
        aarch64-linux-musl = mk {
          name = "aarch64-linux-musl";
          target = "aarch64-linux-gnu static (standing in for aarch64-linux-musl)";
          cc = "aarch64-linux-gnu-gcc";
          flags = "-static -s";
        };

        # Dynamic, then patched to a /nix/store interpreter and runpath:
        # the binary that fails on an ordinary distro with "cannot execute:
        # required file not found". xpin's policy must flag it.
        x86_64-linux-gnu-nixstore = mk {
          name = "x86_64-linux-gnu-nixstore";
          target = "x86_64-linux-gnu, /nix/store interpreter";
          cc = "gcc";
          post = ''
            patchelf --set-interpreter ${storeGlibc}/lib/ld-linux-x86-64.so.2 \
              --set-rpath ${storeGlibc}/lib "$out/bin/hello"
          '';
        };

        # NOT reproducible: embeds the build time in nanoseconds, so
        # `nix build --rebuild` (and `xpin lock`) must report it.
        timestamp = mk {
          name = "timestamp";
          target = "x86_64-linux-gnu, with build time";
          cc = "gcc";
          defs = ''-DBUILD_TIME="\"$(date +%s%N)\""'';
        };
      };
    in
    {
      packages.${system} = targets // { default = targets.x86_64-linux-gnu; };
    };
}
