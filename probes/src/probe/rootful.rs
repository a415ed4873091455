//! What root's own container path needs. Root's podman is rootful: it maps no subordinate ids
//! and runs no newuidmap, but its OCI runtime raises the container's rlimits (podman-run(1),
//! --ulimit: nofile and nproc default to 1048576; only rootless podman caps them at its own
//! hard limits), which needs CAP_SYS_RESOURCE. A root whose container engine dropped that capability cannot start a
//! container. Rootless Docker is for ordinary users only.

use crate::finding::{Finding, FindingDoc, Status};
use crate::probe::identity;

pub const CAP_SYS_RESOURCE: u32 = 24;

pub const RLIMITS: FindingDoc = FindingDoc {
    id: "rootful.no_sys_resource",
    summary: "root lacks CAP_SYS_RESOURCE: rootful podman cannot set its containers' rlimits",
    explanation: "Root's podman runs containers rootful and asks the OCI runtime to set \
RLIMIT_NOFILE and RLIMIT_NPROC to 1048576 (podman-run(1), --ulimit; rootless podman caps them \
at its own hard limits, rootful podman does not); raising a hard limit needs \
CAP_SYS_RESOURCE. Without it every container fails to start: crun prints \"setrlimit \
`RLIMIT_NOFILE`: Operation not permitted: OCI permission denied\", runc \"error setting rlimits \
for ready process: error setting rlimit type 7: operation not permitted\" (seen with podman \
4.3.1, crun 1.8.1 and runc 1.1.5 as a root whose bounding set lacks the capability, as in a \
Docker container started with --cap-drop SYS_RESOURCE). Limits given with --ulimit no higher \
than podman's own hard limits need no capability (there, `--ulimit nofile=1024:1024 --ulimit \
nproc=1024:1024` started).",
    references: &["capabilities(7)", "setrlimit(2)", "podman-run(1): --ulimit"],
};

pub const DOCKER_REFUSES_ROOT: FindingDoc = FindingDoc {
    id: "rootful.rootless_docker_refuses_root",
    summary: "rootless Docker does not install for root",
    explanation: "dockerd-rootless-setuptool.sh stops at once for uid 0 (\"Refusing to install \
rootless Docker as the root user\"): rootless Docker is for ordinary users with subordinate \
ids. Root runs the ordinary dockerd instead.",
    references: &["moby/moby contrib/dockerd-rootless-setuptool.sh"],
};

pub const DOCS: &[&FindingDoc] = &[&RLIMITS, &DOCKER_REFUSES_ROOT];

/// Findings for root only; `fake_root` (uid 0 of a one-id namespace) is judged by
/// `session.fake_root` instead, since its podman fails long before its rlimits.
pub fn judge(facts: &identity::Facts, fake_root: bool) -> Vec<Finding> {
    if !facts.is_root() || fake_root {
        return Vec::new();
    }
    let docker = Finding::new(
        &DOCKER_REFUSES_ROOT,
        Status::Info,
        "rootless Docker is for ordinary users: root runs dockerd",
    )
    .evidence("identity", facts.who());
    let rlimits = match &facts.status {
        Err(reason) => Finding::new(
            &RLIMITS,
            Status::Unknown,
            format!("whether root may raise rlimits is unknown: {reason}"),
        ),
        Ok(status) if status.has_effective(CAP_SYS_RESOURCE) => Finding::new(
            &RLIMITS,
            Status::Ok,
            "root has CAP_SYS_RESOURCE: rootful podman may set its containers' rlimits",
        )
        .evidence("/proc/self/status", status.line("CapEff:")),
        Ok(status) => {
            let bounded = !facts.bounding_allows(CAP_SYS_RESOURCE);
            let finding = Finding::new(
                &RLIMITS,
                Status::Fail,
                "root lacks CAP_SYS_RESOURCE: podman's OCI runtime cannot set the container's rlimits",
            )
            .evidence("/proc/self/status", status.line("CapEff:"))
            .evidence("/proc/self/status", status.line("CapBnd:"));
            let grant = if bounded {
                "whoever starts this root must grant CAP_SYS_RESOURCE: it is missing from the bounding set, so nothing inside can regain it (a container engine's --cap-add SYS_RESOURCE, a unit's CapabilityBoundingSet=)"
            } else {
                "run podman from a root shell that keeps CAP_SYS_RESOURCE in its effective set (the bounding set still allows it)"
            };
            finding.with_root_prose(grant).with_root_prose(
                "or give each container limits no higher than podman's own hard limits, both of them: podman run --ulimit nofile=N:N --ulimit nproc=N:N (podman-run(1))",
            )
        }
    };
    vec![rlimits, docker]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Identity;
    use crate::probe::identity::ProcStatus;

    fn root(cap_eff: u64, cap_bnd: u64) -> identity::Facts {
        identity::Facts {
            identity: Ok(Identity {
                uid: 0,
                gid: 0,
                euid: None,
                user: Some("root".into()),
                home: Some("/root".into()),
                groups: Vec::new(),
            }),
            status: Ok(ProcStatus {
                no_new_privs: Some(false),
                seccomp: Some(0),
                cap_eff,
                cap_bnd: Some(cap_bnd),
                tracer_pid: 0,
                raw: format!("CapEff:\t{cap_eff:016x}\nCapBnd:\t{cap_bnd:016x}\n"),
            }),
        }
    }

    fn status(findings: &[Finding], doc: &FindingDoc) -> Option<Status> {
        findings.iter().find(|f| f.id == doc.id).map(|f| f.status)
    }

    #[test]
    fn root_without_sys_resource_cannot_start_rootful_containers() {
        // This development machine: CapEff and CapBnd 000001fffeffffff (bit 24 cleared).
        let facts = root(0x1fffeffffff, 0x1fffeffffff);
        let findings = judge(&facts, false);
        assert_eq!(status(&findings, &RLIMITS), Some(Status::Fail));
        let fix = &findings[0].fix.with_root;
        assert!(fix[0].text().contains("bounding set"), "{fix:?}");
        assert_eq!(
            status(&judge(&root(0x1ffffffffff, 0x1ffffffffff), false), &RLIMITS),
            Some(Status::Ok)
        );
    }

    #[test]
    fn nothing_is_said_for_users_or_for_a_one_id_namespaces_root() {
        assert!(judge(&root(0x1fffeffffff, 0x1fffeffffff), true).is_empty());
        let mut user = root(0, 0x1ffffffffff);
        if let Ok(id) = &mut user.identity {
            id.uid = 1000;
        }
        assert!(judge(&user, false).is_empty());
    }
}
