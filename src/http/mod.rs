//! REST adapters on reqwest (feature `http`).
