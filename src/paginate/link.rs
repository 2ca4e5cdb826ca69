//! RFC 8288 `Link` headers.
