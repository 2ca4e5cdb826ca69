//! `try { … } finally { … }` in a generator body: cleanup that runs, and may `.await`,
//! when the `try` part ends normally, returns early, fails with `?`, or is stopped at a
//! yield by `close()`.
//!
//! It must end the body (or the `try` part it is nested in), so that a `return` or `?`
//! in the `try` part, which ends the `try` part's async block, ends the generator as
//! written. Lowered before the body is parsed, since `finally` is not Rust:
//!
//! ```text
//! {
//!     let outcome = until_close(#[marker] async { { TRY }; Ok(()) }).await;
//!     { FINALLY }
//!     return match outcome { Some(o) => o, None => Ok(()) };  // try_async_gen!
//! }
//! ```
//!
//! The marker tells the rewriter that this async block is the body's own code, where
//! `yield` is allowed.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use crate::crate_path::private_alias;
use crate::hidden::hidden_ident;
use crate::rewrite::Flavor;

/// The attribute that marks the `try` part's async block.
pub(crate) const TRY_PART_MARKER: &str = "__asyncgen_try_part";

/// Lowers the `try … finally` that ends `body`, if any; an error for one anywhere else.
pub(crate) fn lower_try_finally(
    body: TokenStream,
    flavor: Flavor,
    error: &TokenStream,
) -> syn::Result<TokenStream> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some((try_group, finally_group)) = try_finally_at(&tokens, i) {
            let rest = &tokens[i + 4..];
            let at_end = match rest {
                [] => true,
                [TokenTree::Punct(p)] => p.as_char() == ';',
                _ => false,
            };
            if !at_end {
                return Err(syn::Error::new(
                    tokens[i].span(),
                    "`try { … } finally { … }` must end the generator's body (or the `try` \
                     block it is nested in): a `return` or `?` in the `try` part ends the \
                     generator after the cleanup, so no code can follow it",
                ));
            }
            out.extend(lower(
                tokens[i].span(),
                try_group,
                finally_group,
                flavor,
                error,
            )?);
            return Ok(out);
        }
        if let TokenTree::Ident(ident) = &tokens[i]
            && ident == "try"
            && matches!(tokens.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace)
        {
            return Err(syn::Error::new(
                ident.span(),
                "a `try` block in a generator needs its cleanup: `try { … } finally { … }`",
            ));
        }
        match &tokens[i] {
            // A nested macro call (another generator's body, say) keeps its own `try`s.
            TokenTree::Group(group) if !follows_bang(&tokens, i) => {
                let inner = reject_try_finally(group.stream())?;
                let mut copy = Group::new(group.delimiter(), inner);
                copy.set_span(group.span());
                out.extend([TokenTree::Group(copy)]);
            }
            token => out.extend([token.clone()]),
        }
        i += 1;
    }
    Ok(out)
}

/// `tokens` with an error for any `try … finally` in them, which cannot end the body.
fn reject_try_finally(tokens: TokenStream) -> syn::Result<TokenStream> {
    let list: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, token) in list.iter().enumerate() {
        if try_finally_at(&list, i).is_some() {
            return Err(syn::Error::new(
                token.span(),
                "`try { … } finally { … }` must end the generator's body (or the `try` \
                 block it is nested in), not sit inside another block or expression",
            ));
        }
        if let TokenTree::Group(group) = token
            && !follows_bang(&list, i)
        {
            reject_try_finally(group.stream())?;
        }
    }
    Ok(tokens)
}

fn follows_bang(tokens: &[TokenTree], i: usize) -> bool {
    i > 0 && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
}

/// The `try` and `finally` groups of `try { … } finally { … }` starting at `i`.
fn try_finally_at(tokens: &[TokenTree], i: usize) -> Option<(&Group, &Group)> {
    let brace = |t: Option<&TokenTree>| match t {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => Some(g.clone()),
        _ => None,
    };
    let ident_is = |t: Option<&TokenTree>, name: &str| matches!(t, Some(TokenTree::Ident(ident)) if ident == name);
    (ident_is(tokens.get(i), "try") && ident_is(tokens.get(i + 2), "finally")).then_some(())?;
    brace(tokens.get(i + 1))?;
    brace(tokens.get(i + 3))?;
    match (&tokens[i + 1], &tokens[i + 3]) {
        (TokenTree::Group(t), TokenTree::Group(f)) => Some((t, f)),
        _ => None,
    }
}

fn lower(
    span: Span,
    try_group: &Group,
    finally_group: &Group,
    flavor: Flavor,
    error: &TokenStream,
) -> syn::Result<TokenStream> {
    // Both parts may end with a nested `try … finally` of their own.
    let try_part = lower_try_finally(try_group.stream(), flavor, error)?;
    let cleanup = lower_try_finally(finally_group.stream(), flavor, error)?;
    let private = private_alias(span);
    let outcome = hidden_ident("try_outcome", span);
    let marker = Ident::new(TRY_PART_MARKER, span);
    // The parts are statements: clippy would take a part that is one loop for a
    // statement with no effect.
    Ok(match flavor {
        Flavor::Plain => quote_spanned! {span=>
            {
                #private::until_close(#[#marker] async { #try_part }).await;
                #[allow(clippy::unnecessary_operation)]
                { #cleanup };
            }
        },
        Flavor::Try => {
            let ok = quote!(::core::result::Result::Ok::<(), #error>(()));
            quote_spanned! {span=>
                {
                    let #outcome = #private::until_close(#[#marker] async {
                        #[allow(clippy::unnecessary_operation)]
                        { #try_part };
                        #[allow(unreachable_code)]
                        #ok
                    })
                    .await;
                    #[allow(clippy::unnecessary_operation)]
                    { #cleanup };
                    #[allow(unreachable_code)]
                    return match #outcome {
                        ::core::option::Option::Some(outcome) => outcome,
                        ::core::option::Option::None => #ok,
                    };
                }
            }
        }
    })
}

/// An error for `yield NAME {` in the head of an `if`, `while` or `match`, which
/// would read as a struct literal: the yield needs parentheses there.
pub(crate) fn check_yield_in_conditions(tokens: &TokenStream) -> syn::Result<()> {
    let list: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut in_head = false;
    for (i, token) in list.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) if ["if", "while", "match"].iter().any(|k| ident == k) => {
                in_head = true;
            }
            TokenTree::Ident(ident)
                if ident == "yield"
                    && in_head
                    && matches!(list.get(i + 1), Some(TokenTree::Ident(_)))
                    && matches!(list.get(i + 2), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace) =>
            {
                return Err(syn::Error::new(
                    ident.span(),
                    "put this `yield` in parentheses, `(yield value)`: in the head of an `if`, \
                     `while` or `match`, `value { … }` would read as a struct literal",
                ));
            }
            TokenTree::Punct(p) if p.as_char() == ';' => in_head = false,
            TokenTree::Group(group) => {
                if group.delimiter() == Delimiter::Brace {
                    in_head = false;
                }
                check_yield_in_conditions(&group.stream())?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// `tokens` without the words `try` and `finally` before blocks, and with a
/// `yield NAME` before a block in parentheses: what a body falls back on next to the
/// error about either, so that rustc reports nothing more about it.
pub(crate) fn strip_try_finally(tokens: TokenStream) -> TokenStream {
    let list: Vec<TokenTree> = tokens.into_iter().collect();
    let is_brace = |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace);
    let mut out = TokenStream::new();
    let mut skip_next = false;
    for (i, token) in list.iter().enumerate() {
        if core::mem::take(&mut skip_next) {
            continue;
        }
        match token {
            TokenTree::Ident(ident)
                if (ident == "try" || ident == "finally") && is_brace(list.get(i + 1)) => {}
            // `yield NAME {` in a condition: `(yield NAME) {`, as the error asks.
            TokenTree::Ident(ident)
                if ident == "yield"
                    && matches!(list.get(i + 1), Some(TokenTree::Ident(_)))
                    && is_brace(list.get(i + 2)) =>
            {
                let operand = list[i + 1].clone();
                let mut paren = Group::new(
                    Delimiter::Parenthesis,
                    [token.clone(), operand].into_iter().collect(),
                );
                paren.set_span(ident.span());
                out.extend([TokenTree::Group(paren)]);
                skip_next = true;
            }
            TokenTree::Group(group) => {
                let mut copy = Group::new(group.delimiter(), strip_try_finally(group.stream()));
                copy.set_span(group.span());
                out.extend([TokenTree::Group(copy)]);
            }
            token => out.extend([token.clone()]),
        }
    }
    out
}
