//! `nix-build` with Nix's sandbox: nix.conf must not turn it off, and the sandbox is made by
//! the root daemon (multi-user Nix) or in a user namespace (single-user Nix); where it cannot
//! be made, `sandbox-fallback` decides between unsandboxed builds and failing ones. A build
//! that inherits another user's HOME is impure even in the sandbox's absence.

use super::{BUILD_ENVIRONMENT, BUILD_PROC_MOUNT, Path, Requirement};
use crate::verdict::Target;

pub const PATH: Path = Path {
    target: Target::NixSandbox,
    program: Some("nix-build"),
    ready: "builds run in Nix's sandbox",
    requirements: &[
        Requirement::LinuxNamespacesOrUnisolated,
        Requirement::NixSandbox,
        BUILD_ENVIRONMENT,
        BUILD_PROC_MOUNT,
    ],
};
