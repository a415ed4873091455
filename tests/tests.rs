//! End-to-end tests of the hostcap binary: one integration test binary, one module per concern.

mod bundle;
mod cli;
mod consistency;
mod formats;
mod hosts;
mod man;
mod schema;
mod summarize;
mod terminal;
mod util;
