//! Tells the tests what this machine lets them run, so that a test that cannot run is reported
//! as ignored (with the reason) instead of passing without testing anything:
//! - `real_exports`: the real DJ-app exports are in `../shared/fixtures/real` (they may not be
//!   copied into the repository; after adding the folder, `touch build.rs`);
//! - `pyrekordbox`: `TAGGENIUS_PYTHON` names a python with pyrekordbox (`.ci/run` makes one);
//! - `privileged`: the build runs as root, who may make device files;
//! - `postgres`: a PostgreSQL server answers at `TAGGENIUS_TEST_DATABASE_URL`'s host (else
//!   127.0.0.1:5432) when the tests are built, or `TAGGENIUS_TEST_REQUIRE_PG=1` says one must
//!   (then a missing server fails the pool tests instead of leaving them out).

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TAGGENIUS_PYTHON");
    println!("cargo::rerun-if-env-changed=TAGGENIUS_TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=TAGGENIUS_TEST_REQUIRE_PG");
    for cfg in ["real_exports", "pyrekordbox", "privileged", "postgres"] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let real = Path::new(&manifest).join("../shared/fixtures/real");
    if real.is_dir() {
        println!("cargo::rustc-cfg=real_exports");
        println!("cargo::rerun-if-changed={}", real.display());
    }
    if std::env::var_os("TAGGENIUS_PYTHON").is_some_and(|p| !p.is_empty()) {
        println!("cargo::rustc-cfg=pyrekordbox");
    }
    if is_root() {
        println!("cargo::rustc-cfg=privileged");
    }
    let required = std::env::var("TAGGENIUS_TEST_REQUIRE_PG").is_ok_and(|v| v == "1");
    if required || postgres_answers() {
        println!("cargo::rustc-cfg=postgres");
    }
}

/// Whether something listens where the tests' PostgreSQL should be.
fn postgres_answers() -> bool {
    use std::net::{TcpStream, ToSocketAddrs};
    let url = std::env::var("TAGGENIUS_TEST_DATABASE_URL").unwrap_or_default();
    // postgres://user@host:port/db: the part after the last '@' and before the path.
    let rest = url.split("://").nth(1).unwrap_or("");
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let address = match host_port {
        "" => "127.0.0.1:5432".to_string(),
        hp if hp.contains(':') => hp.to_string(),
        host => format!("{host}:5432"),
    };
    let timeout = std::time::Duration::from_millis(300);
    address
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .is_some_and(|a| TcpStream::connect_timeout(&a, timeout).is_ok())
}

#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(not(unix))]
fn is_root() -> bool {
    false
}
