//! Tells the tests what this machine lets them run, so that a test that cannot run is reported
//! as ignored (with the reason) instead of passing without testing anything:
//! - `real_exports`: the real DJ-app exports are in `../shared/fixtures/real` (they may not be
//!   copied into the repository; after adding the folder, `touch build.rs`);
//! - `pyrekordbox`: `TAGGENIUS_PYTHON` names a python with pyrekordbox (`.ci/run` makes one);
//! - `privileged`: the build runs as root, who may make device files.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TAGGENIUS_PYTHON");
    for cfg in ["real_exports", "pyrekordbox", "privileged"] {
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
