{
  description = "xpin example: a C and a Rust program built for a cross matrix with the host's compilers";

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

      # The Rust crate in ./rust (no dependencies), built by Debian's cargo
      # (PATH=/usr/bin:/bin) for a Rust target triple, with the release
      # profile (one codegen unit, no debuginfo). Cargo writes only under
      # $TMPDIR, and the build folder, which differs between two builds,
      # is remapped to "." (--remap-path-prefix) so that no panic location
      # or debug path holds it.
      mkRust = { name, target, triple, rustflags ? "" }:
        derivation {
          name = "hello-${name}-${version}";
          inherit system;
          builder = "/bin/sh";
          args = [
            "-c"
            ''
              set -eu
              cp -R "$src" crate
              chmod -R u+w crate
              cd crate
              export HOME="$TMPDIR/home" CARGO_HOME="$TMPDIR/cargo-home"
              RUSTFLAGS="--remap-path-prefix=$PWD=. ${rustflags}" \
                cargo build --offline --locked --release --target ${triple}
              mkdir -p "$out/bin"
              cp "target/${triple}/release/hello" "$out/bin/hello"
              ln -s hello "$out/bin/hello-link"
            ''
          ];
          PATH = "/usr/bin:/bin";
          src = ./rust;
          CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER = "aarch64-linux-gnu-gcc";
          HELLO_VERSION = version;
          HELLO_TARGET = target;
          NIXPKGS_VERSION = nixpkgsVersion;
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

        # musl, static, for aarch64: the aarch64 cross gcc with the specs
        # file of Debian's musl-dev:arm64 (musl's headers, crt files and
        # libc.a for aarch64, as musl-gcc does on the host), stripped.
        aarch64-linux-musl = mk {
          name = "aarch64-linux-musl";
          target = "aarch64-linux-musl";
          cc = "aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs";
          flags = "-static -s";
        };

        # Rust, glibc, dynamically linked.
        rust-x86_64-linux-gnu = mkRust {
          name = "rust-x86_64-linux-gnu";
          target = "x86_64-unknown-linux-gnu";
          triple = "x86_64-unknown-linux-gnu";
        };

        # Rust, glibc linked statically: +crt-static on a gnu target gives
        # a static PIE (no interpreter, ET_DYN).
        rust-x86_64-linux-gnu-static-pie = mkRust {
          name = "rust-x86_64-linux-gnu-static-pie";
          target = "x86_64-unknown-linux-gnu +crt-static";
          triple = "x86_64-unknown-linux-gnu";
          rustflags = "-C target-feature=+crt-static";
        };

        # Rust for aarch64, glibc, dynamically linked (interpreter
        # /lib/ld-linux-aarch64.so.1), linked by the aarch64 cross gcc
        # against Debian's arm64 std.
        rust-aarch64-linux-gnu = mkRust {
          name = "rust-aarch64-linux-gnu";
          target = "aarch64-unknown-linux-gnu";
          triple = "aarch64-unknown-linux-gnu";
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

        # The same binary, fixed in the build as xpin's policy suggests:
        # patchelf puts the distribution's interpreter back and drops the
        # /nix/store runpath, so it passes.
        x86_64-linux-gnu-patchelf = mk {
          name = "x86_64-linux-gnu-patchelf";
          target = "x86_64-linux-gnu, interpreter fixed by patchelf";
          cc = "gcc";
          post = ''
            patchelf --set-interpreter ${storeGlibc}/lib/ld-linux-x86-64.so.2 \
              --set-rpath ${storeGlibc}/lib "$out/bin/hello"
            patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2 \
              --remove-rpath "$out/bin/hello"
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
