//! The release builds' execution profile (`pgo/`) and the rustc wrapper that applies it
//! (`scripts/rustc-pgo`, set in `.cargo/config.toml`), run with a stand-in compiler that reports an LLVM
//! version and echoes the arguments it was given.
#![cfg(unix)]

use std::path::Path;
use std::process::Command;

use crate::util::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The arguments the wrapper hands to a compiler whose `-vV` names LLVM `llvm`, one per line.
fn compiled_with(dir: &TempDir, llvm: &str, args: &[&str], pgo: Option<&str>) -> Vec<String> {
    let compiler = dir.path("fake-rustc");
    std::fs::write(
        &compiler,
        format!(
            "#!/usr/bin/env bash\n[ \"$1\" = -vV ] && {{ echo 'rustc 1.0.0'; echo 'LLVM version: {llvm}'; exit 0; }}\nprintf '%s\\n' \"$@\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&compiler, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(Path::new(ROOT).join("scripts/rustc-pgo"))
        .arg(&compiler)
        .args(args);
    match pgo {
        Some(v) => cmd.env("ENTNORM_PGO", v),
        None => cmd.env_remove("ENTNORM_PGO"),
    };
    let out = cmd.output().expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn committed_llvm_major() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("pgo/llvm-major"))
        .expect("pgo/llvm-major is committed")
        .trim()
        .to_owned()
}

/// An optimized compilation by a rustc of the profile's LLVM gets `-Cprofile-use` with the committed
/// profile, which is an indexed LLVM profile (its magic number), after the compiler's own arguments.
#[test]
fn release_compilations_by_the_profiles_llvm_use_the_committed_profile() {
    let dir = TempDir::new("pgo-wrapper-use");
    let major = committed_llvm_major();
    let args = compiled_with(
        &dir,
        &format!("{major}.1.2"),
        &["--crate-name", "entnorm_tokenize", "-C", "opt-level=3"],
        None,
    );
    let profile = Path::new(ROOT).join("pgo/entnorm.profdata");
    let use_arg = format!("-Cprofile-use={}", profile.display());
    assert_eq!(
        args,
        [
            "--crate-name",
            "entnorm_tokenize",
            "-C",
            "opt-level=3",
            use_arg.as_str()
        ]
    );
    let bytes = std::fs::read(&profile).unwrap();
    assert_eq!(
        bytes.get(..8),
        Some(&0x8169_666f_7270_6cff_u64.to_le_bytes()[..]),
        "pgo/entnorm.profdata is not an indexed LLVM profile"
    );
}

/// Unoptimized compilations (tests, dev builds), a rustc of another LLVM (which could not read the
/// profile), the instrumented build of `scripts/pgo_profile.py` (ENTNORM_PGO=off) and instrumenting
/// builds (cargo-fuzz's sanitizer coverage) get exactly the arguments they were given.
#[test]
fn other_compilations_pass_through_the_wrapper_unchanged() {
    let dir = TempDir::new("pgo-wrapper-pass");
    let major = committed_llvm_major();
    let other = format!("{}.0.0", major.parse::<u32>().unwrap() + 1);
    let mine = format!("{major}.1.2");
    let debug = ["--crate-name", "entnorm", "-C", "opt-level=1"];
    let release = ["--crate-name", "entnorm", "-C", "opt-level=3"];
    assert_eq!(compiled_with(&dir, &mine, &debug, None), debug);
    assert_eq!(compiled_with(&dir, &other, &release, None), release);
    assert_eq!(compiled_with(&dir, &mine, &release, Some("off")), release);
    let fuzzing = [
        "--crate-name",
        "entnorm",
        "-C",
        "opt-level=3",
        "-Cpasses=sancov-module",
        "-Zsanitizer=address",
    ];
    assert_eq!(compiled_with(&dir, &mine, &fuzzing, None), fuzzing);
}
