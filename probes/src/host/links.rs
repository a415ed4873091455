//! Symlink resolution over any source of links: a host, or a bundle's recorded links.

use std::path::{Component, Path, PathBuf};

/// The kernel's limit on links followed in one lookup (ELOOP after it).
const MAX_HOPS: usize = 40;

/// Resolves the links in `path` one component at a time, as the kernel does when it opens it;
/// `read_link` answers for one absolute path. With `follow_last` false the final component
/// stays a link itself, as `lstat` sees it. `None` when more than 40 links are followed.
pub fn resolve_links(
    path: &Path,
    follow_last: bool,
    mut read_link: impl FnMut(&Path) -> Option<PathBuf>,
) -> Option<PathBuf> {
    let mut resolved = PathBuf::from("/");
    let mut pending = components_reversed(path);
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if part == Path::new("..") {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&part);
        let target = (follow_last || !pending.is_empty())
            .then(|| read_link(&candidate))
            .flatten();
        match target {
            Some(target) => {
                hops += 1;
                if hops > MAX_HOPS {
                    return None;
                }
                if target.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                pending.extend(components_reversed(&target));
            }
            None => resolved = candidate,
        }
    }
    Some(resolved)
}

/// The named components of `path` (and `..`), last first, so that `pop` yields them in order.
fn components_reversed(path: &Path) -> Vec<PathBuf> {
    path.components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(PathBuf::from(part)),
            Component::ParentDir => Some(PathBuf::from("..")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn links(pairs: &[(&str, &str)]) -> BTreeMap<PathBuf, PathBuf> {
        pairs
            .iter()
            .map(|(l, t)| (PathBuf::from(l), PathBuf::from(t)))
            .collect()
    }

    #[test]
    fn relative_absolute_and_dotdot_targets_resolve_like_the_kernel() {
        // Debian 12's merged /usr: /sbin -> usr/sbin.
        let map = links(&[("/sbin", "usr/sbin"), ("/usr/sbin/x", "../bin/y")]);
        let look = |p: &Path| map.get(p).cloned();
        assert_eq!(
            resolve_links(Path::new("/sbin/x"), true, look),
            Some(PathBuf::from("/usr/bin/y"))
        );
        assert_eq!(
            resolve_links(Path::new("/sbin/x"), false, look),
            Some(PathBuf::from("/usr/sbin/x"))
        );
        assert_eq!(
            resolve_links(Path::new("/sbin"), false, look),
            Some(PathBuf::from("/sbin"))
        );
    }

    #[test]
    fn a_loop_ends_after_forty_links() {
        let map = links(&[("/a", "/b"), ("/b", "/a")]);
        assert_eq!(
            resolve_links(Path::new("/a/x"), true, |p| map.get(p).cloned()),
            None
        );
    }
}
