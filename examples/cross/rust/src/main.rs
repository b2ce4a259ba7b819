//! The cross example's Rust program: prints its version and the target it
//! was built for, as the C program does. The build passes the facts in
//! through the environment (HELLO_VERSION, HELLO_TARGET, NIXPKGS_VERSION);
//! what the compiler itself knows (architecture, C library, static or
//! not) comes from cfg, so the line says what was really built.

fn linkage() -> &'static str {
    if cfg!(target_feature = "crt-static") {
        "static"
    } else {
        "dynamic"
    }
}

fn main() {
    let version = option_env!("HELLO_VERSION").unwrap_or(env!("CARGO_PKG_VERSION"));
    let target = option_env!("HELLO_TARGET").unwrap_or("unknown");
    println!("hello {} ({})", version, target);
    println!(
        "rust {}-linux-{}, {}",
        std::env::consts::ARCH,
        if cfg!(target_env = "musl") { "musl" } else { "gnu" },
        linkage()
    );
    if let Some(v) = option_env!("NIXPKGS_VERSION") {
        println!("pinned nixpkgs {}", v);
    }
}
