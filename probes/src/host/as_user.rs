//! A thread that holds another user's credentials, for `hostcap check --user NAME` run as
//! root: every file access of the live host is made there, so it sees exactly what the user
//! may see. Linux keeps credentials per thread (the raw `setresuid` system call changes the
//! calling thread only); other kernels keep them per process, so there judging another user is
//! refused and the user is asked to run hostcap themselves.
// The live host's own half: it reaches the system directly, as live.rs does.
#![allow(clippy::disallowed_methods)]

use super::{Subject, SubjectError};

#[cfg(target_os = "linux")]
pub(crate) use linux::AsUser;
#[cfg(not(target_os = "linux"))]
pub(crate) use other::AsUser;

#[cfg(target_os = "linux")]
mod linux {
    use std::panic::AssertUnwindSafe;
    use std::sync::mpsc;

    use super::{Subject, SubjectError};

    type Job = Box<dyn FnOnce() + Send>;

    /// A thread that has become the user and does file accesses for the live host. It ends when
    /// the last [`super::LiveHost`] holding it is dropped.
    #[derive(Debug)]
    pub(crate) struct AsUser {
        jobs: mpsc::Sender<Job>,
    }

    impl AsUser {
        /// Starts the thread and waits until it has become the user.
        pub fn start(subject: &Subject) -> Result<AsUser, SubjectError> {
            let become_error = |reason: String| SubjectError::Become {
                name: subject.name.clone(),
                uid: subject.uid,
                reason,
            };
            let (jobs, queue) = mpsc::channel::<Job>();
            let (ready_tx, ready) = mpsc::sync_channel(1);
            let run_as = subject.run_as();
            std::thread::Builder::new()
                .name("hostcap".into())
                .spawn(move || {
                    let became = run_as.assume_thread();
                    let ok = became.is_ok();
                    let _ = ready_tx.send(became);
                    if ok {
                        for job in queue {
                            // A panicking job drops its reply channel; its caller sees the error.
                            let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                        }
                    }
                })
                .map_err(|err| become_error(format!("no thread: {err}")))?;
            match ready.recv() {
                Ok(Ok(())) => Ok(AsUser { jobs }),
                Ok(Err(errno)) => Err(become_error(errno.desc().to_string())),
                Err(_) => Err(become_error("the thread ended".into())),
            }
        }

        /// Runs `job` on the user's thread and returns its result; `None` if the thread is gone.
        pub fn call<T: Send + 'static>(
            &self,
            job: impl FnOnce() -> T + Send + 'static,
        ) -> Option<T> {
            let (reply, answer) = mpsc::sync_channel(1);
            self.jobs
                .send(Box::new(move || {
                    let _ = reply.send(job());
                }))
                .ok()?;
            answer.recv().ok()
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod other {
    use super::{Subject, SubjectError};
    use crate::os::Os;

    /// Never made: [`AsUser::start`] always refuses here.
    #[derive(Debug)]
    pub(crate) enum AsUser {}

    impl AsUser {
        pub fn start(subject: &Subject) -> Result<AsUser, SubjectError> {
            Err(SubjectError::Become {
                name: subject.name.clone(),
                uid: subject.uid,
                reason: format!(
                    "{} keeps credentials per process, not per thread; run hostcap as {}",
                    Os::built_for().name(),
                    subject.name
                ),
            })
        }

        pub fn call<T: Send + 'static>(&self, _: impl FnOnce() -> T + Send + 'static) -> Option<T> {
            match *self {}
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use nix::unistd::{Gid, Uid};

    use super::*;

    /// The uid and gid of the calling thread.
    fn thread_ids() -> (u32, u32) {
        (Uid::current().as_raw(), Gid::current().as_raw())
    }

    #[test]
    fn the_users_thread_has_the_users_ids_and_others_keep_theirs() {
        let Some(run_as) = crate::experiment::nobody_for_tests() else {
            return;
        };
        let subject = Subject::by_uid(run_as.uid).expect("nobody");
        let thread = AsUser::start(&subject).expect("become nobody");
        assert_eq!(thread.call(thread_ids), Some((subject.uid, subject.gid)));
        assert_eq!(thread_ids(), (0, 0), "only the reader thread changed");
    }
}
