//! Readiness-based I/O on any `mio` source: asyncio's `loop.add_reader` / `add_writer`.
//!
//! [`IoSource`] registers a [`mio::event::Source`] (a `mio::net` socket, a
//! `mio::unix::SourceFd` around any fd, ...) with the runtime's reactor and lets tasks wait
//! for it to become readable or writable. The networking types are built on the same
//! registration.
//!
//! # Implementation
//!
//! Registrations are edge-triggered. Readiness is remembered until an operation reports
//! `WouldBlock`; [`IoSource::read_with`] and [`IoSource::write_with`] follow that rule for
//! you, so a caller never misses an edge and never spins on a spurious one.

mod fd_source;
mod source;

pub(crate) use fd_source::FdSource;
pub use source::IoSource;
