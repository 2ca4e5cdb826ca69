//! Test helpers shared by the integration tests that declare `mod support;`.
// Each test file uses a different part of the servers.
#![allow(dead_code)]

pub mod apis;
pub mod misbehaving;
pub mod rate_limited;
pub mod server;
