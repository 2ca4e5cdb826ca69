//! Paginated APIs as streams.

pub mod link;
