//! Names the git commit in `hostcap --version`, so a binary copied onto a Chromebook or a
//! customer's server says which source it came from. Built from a crates.io tarball, or from a
//! tree inside someone else's git checkout, the version is the package version alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let long_version = match commit(&dir) {
        Some(commit) => format!("{version} (commit {commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=HOSTCAP_LONG_VERSION={long_version}");
    println!("cargo:rerun-if-changed=build.rs");
    // Rebuild when HEAD moves: a checkout changes HEAD, a commit changes the branch's ref (a
    // loose file, or packed-refs once git packs it). Only existing files are named: cargo
    // reruns on every build for a path that does not exist.
    for path in head_files(&dir) {
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// The abbreviated commit of HEAD, if `dir` is the top of its own git checkout.
fn commit(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    git(dir, &["rev-parse", "--short=12", "HEAD"])
}

/// HEAD, the ref it points to and packed-refs, where git keeps them (worktrees keep HEAD apart
/// from the shared refs, which `--git-path` resolves).
fn head_files(dir: &Path) -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    names.extend(git(dir, &["symbolic-ref", "-q", "HEAD"]));
    names
        .iter()
        .filter_map(|name| git(dir, &["rev-parse", "--git-path", name]))
        .map(|path| dir.join(path))
        .collect()
}

/// One line of git's output, or nothing when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.trim();
    (output.status.success() && !line.is_empty()).then(|| line.to_string())
}
