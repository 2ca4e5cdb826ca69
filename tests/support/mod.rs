//! Test helpers shared by the integration tests that declare `mod support;`.
// Each test file uses a different part of the server.
#![allow(dead_code)]

pub mod server;
