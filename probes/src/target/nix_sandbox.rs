//! Nix's build sandbox: the root daemon with build users, or a user namespace for single-user
//! Nix; where neither works Nix builds without a sandbox (sandbox-fallback).

use super::{Path, Requirement};
use crate::verdict::Target;

pub const PATH: Path = Path {
    target: Target::NixSandbox,
    program: Some("nix-build"),
    ready: "builds can run sandboxed",
    requirements: &[
        Requirement::LinuxNamespaces,
        Requirement::BuildIsolation {
            without: "builds run without sandbox (sandbox-fallback) or fail",
        },
    ],
};
