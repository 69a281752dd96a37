//! `FdSource`: an owned file descriptor as a `mio` event source (a pidfd, a timerfd).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// An owned fd that registers with the reactor like a socket; closed on drop.
#[derive(Debug)]
pub(crate) struct FdSource(pub(crate) OwnedFd);

impl mio::event::Source for FdSource {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}
