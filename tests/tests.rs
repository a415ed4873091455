//! End-to-end tests of the hostcap binary: one integration test binary, one module per concern.

mod bundle;
mod cli;
mod consistency;
mod hosts;
mod man;
mod util;
