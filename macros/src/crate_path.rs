//! How expanded code names the runtime crate.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;

use crate::hidden::hidden_ident;

/// Splits the `@crate PATH;` prefix off a macro's input: the path to the runtime crate,
/// and the macro's own input.
///
/// The `asyncgen` crate's `macro_rules!` wrappers pass `@crate $crate;`, so that the
/// expansion names the runtime crate however the caller reaches it: under its own name,
/// renamed in `Cargo.toml`, or re-exported by another crate. Without the prefix (the
/// proc macro invoked directly) the path is `::asyncgen`.
pub(crate) fn split_crate_path(input: TokenStream) -> (TokenStream, TokenStream) {
    let mut tokens = input.clone().into_iter();
    if let (Some(TokenTree::Punct(at)), Some(TokenTree::Ident(kw))) = (tokens.next(), tokens.next())
        && at.as_char() == '@'
        && kw == "crate"
    {
        let mut path = TokenStream::new();
        for token in tokens.by_ref() {
            match &token {
                TokenTree::Punct(p) if p.as_char() == ';' => return (path, tokens.collect()),
                _ => path.extend([token]),
            }
        }
    }
    // No prefix, or one without its `;`: the input is left whole to the macro's parser.
    (quote!(::asyncgen), input)
}

/// The name under which a generator's body reaches the runtime crate's `__private`
/// module, located at `span`; [`declare_private_alias`] declares it at the top of the
/// body.
///
/// Code inside the body goes through this alias rather than through the crate path: a
/// path that starts with the wrappers' `$crate` comes from another expansion than the
/// user's tokens around it, and rustc then reports a failed bound on such a call twice,
/// once on the whole macro invocation.
pub(crate) fn private_alias(span: Span) -> Ident {
    hidden_ident("private", span)
}

/// The declaration of [`private_alias`], for the top of a generator's body.
pub(crate) fn declare_private_alias(krate: &TokenStream) -> TokenStream {
    let alias = private_alias(Span::call_site());
    quote! {
        #[allow(unused_imports)]
        use #krate::__private as #alias;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_names_the_crate_and_the_rest_is_the_body() {
        let (path, body) = split_crate_path(quote!(@crate ::renamed::inner; yield 1;));
        assert_eq!(path.to_string(), ":: renamed :: inner");
        assert_eq!(body.to_string(), "yield 1 ;");
    }

    #[test]
    fn without_the_prefix_the_crate_is_asyncgen() {
        let (path, body) = split_crate_path(quote!(yield 1;));
        assert_eq!(path.to_string(), ":: asyncgen");
        assert_eq!(body.to_string(), "yield 1 ;");
    }

    #[test]
    fn a_prefix_without_its_semicolon_is_left_in_the_body() {
        let (path, body) = split_crate_path(quote!(@crate x));
        assert_eq!(path.to_string(), ":: asyncgen");
        assert_eq!(body.to_string(), "@ crate x");
    }
}
