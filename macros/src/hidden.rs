//! The names an expansion introduces (the yielder, pinned streams, loop items, the
//! alias of the runtime crate): one prefix, and mixed-site hygiene, so that the user's
//! code can neither name nor shadow them.

use proc_macro2::{Ident, Span};

/// `__asyncgen_NAME`, resolved at the macro's definition site but located at `at`, so
/// that a diagnostic about it points at the user's token.
pub(crate) fn hidden_ident(name: &str, at: Span) -> Ident {
    Ident::new(
        &format!("__asyncgen_{name}"),
        Span::mixed_site().located_at(at),
    )
}
