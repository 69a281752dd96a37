//! Adapters to other crates' runtime traits, each behind its feature.
//!
//! * `compat::hyper` (feature `hyper`): hyper 1.x's `Read`/`Write`, `Timer` and `Executor`,
//!   so a hyper server or client runs on the loop in a few lines.
//!
//! tokio's `AsyncRead`/`AsyncWrite` need no adapter: with feature `tokio-io` the streams
//! implement them directly (`net::tokio_io`).

#[cfg(feature = "hyper")]
pub mod hyper;
