//! Lowers `for await PAT in STREAM { ... }`, which is not Rust syntax, to a `while let`
//! over the pinned stream, before the body is parsed.
//!
//! This runs on tokens (not on a syntax tree) so that it also reaches loops written
//! inside the token trees of other macros, such as a `tokio::select!` arm.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Pat, Token};

use crate::crate_path::private_alias;
use crate::hidden::hidden_ident;
use crate::nested::generator_call_len;

/// Rewrites every `for await` in `input`, except inside nested generator macros.
pub(crate) fn lower_for_await(input: TokenStream) -> syn::Result<TokenStream> {
    let tokens = lower_in_groups(input)?;
    lower_at_this_level(tokens)
}

/// Lowers the contents of each group first, so that loops nested in a `for await` body
/// are already plain Rust when that body is moved into its `while let`.
fn lower_in_groups(input: TokenStream) -> syn::Result<Vec<TokenTree>> {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some(len) = generator_call_len(&tokens[i..]) {
            out.extend_from_slice(&tokens[i..i + len]);
            i += len;
            continue;
        }
        match &tokens[i] {
            TokenTree::Group(group) => {
                let inner = lower_for_await(group.stream())?;
                out.push(TokenTree::Group(regroup(group, inner)));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    Ok(out)
}

fn lower_at_this_level(mut tokens: Vec<TokenTree>) -> syn::Result<TokenStream> {
    let mut out: Vec<TokenTree> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some(len) = generator_call_len(&tokens[i..]) {
            out.extend_from_slice(&tokens[i..i + len]);
            i += len;
            continue;
        }
        let (for_kw, await_kw) = match &tokens[i..] {
            [TokenTree::Ident(for_kw), TokenTree::Ident(await_kw), ..]
                if for_kw == "for" && await_kw == "await" =>
            {
                (for_kw.clone(), await_kw.clone())
            }
            _ => {
                out.push(tokens[i].clone());
                i += 1;
                continue;
            }
        };
        let label = take_trailing_label(&mut out);
        let rest: TokenStream = tokens[i + 2..].iter().cloned().collect();
        let (lowered, rest) = lower_one
            .parse2(rest)
            .map(|parts| (parts.emit(&for_kw, &await_kw, label), parts.rest))?;
        out.extend(lowered);
        tokens = rest.into_iter().collect();
        i = 0;
    }
    Ok(out.into_iter().collect())
}

/// Removes a loop label (`'name:`) that precedes `for await` in `out`, to put it on the
/// `while` loop instead.
fn take_trailing_label(out: &mut Vec<TokenTree>) -> TokenStream {
    let n = out.len();
    let is_label = n >= 3
        && matches!(&out[n - 3], TokenTree::Punct(p) if p.as_char() == '\'')
        && matches!(&out[n - 2], TokenTree::Ident(_))
        && matches!(&out[n - 1], TokenTree::Punct(p) if p.as_char() == ':');
    if is_label {
        out.drain(n - 3..).collect()
    } else {
        TokenStream::new()
    }
}

struct ForAwait {
    pat: Pat,
    stream: Expr,
    body: Group,
    rest: TokenStream,
}

fn lower_one(input: ParseStream<'_>) -> syn::Result<ForAwait> {
    let pat = Pat::parse_multi_with_leading_vert(input)?;
    input.parse::<Token![in]>()?;
    let stream = Expr::parse_without_eager_brace(input)?;
    let body = match input.parse::<TokenTree>() {
        Ok(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
        Ok(other) => {
            return Err(syn::Error::new(
                other.span(),
                "expected `{` after the stream of a `for await` loop",
            ));
        }
        Err(_) => {
            return Err(input.error("expected the body `{ ... }` of the `for await` loop"));
        }
    };
    Ok(ForAwait {
        pat,
        stream,
        body,
        rest: input.parse()?,
    })
}

impl ForAwait {
    fn emit(&self, for_kw: &Ident, await_kw: &Ident, label: TokenStream) -> TokenStream {
        ForAwaitLoop {
            label,
            for_span: for_kw.span(),
            await_span: await_kw.span(),
            pat: &self.pat,
            stream: self.stream.to_token_stream(),
            pinned: hidden_ident("stream", await_kw.span()),
            body: self.body.to_token_stream(),
        }
        .lower()
    }
}

/// Where the check that the source of a `comp!` `for` clause is an iterator is
/// reported: at the first token of the expression, as expanded code.
///
/// Every call the loop makes on the source is spelled with this one span, so that when
/// the check fails, rustc reports the failure once (it drops an error that another, at
/// the same span, implies) instead of once per call.
pub(crate) fn check_span(source: &Expr) -> Span {
    Span::mixed_site().located_at(first_span(source))
}

/// One `for await` loop, the one lowering that generator bodies and `comp!` share:
///
/// ```text
/// { let mut pinned = pin!(STREAM); let mut pinned = for_await_stream(pinned);
///   LABEL while let Some(item) = next(&mut pinned).await { let PAT = item; BODY } }
/// ```
///
/// The pattern is bound by a `let` rather than in the `while let`, so that a refutable
/// pattern is an error, as in a `for` loop, instead of silently ending the loop.
pub(crate) struct ForAwaitLoop<'a> {
    /// `'label:`, or nothing.
    pub(crate) label: TokenStream,
    pub(crate) for_span: Span,
    pub(crate) await_span: Span,
    pub(crate) pat: &'a Pat,
    /// The stream expression, or a name bound to it.
    pub(crate) stream: TokenStream,
    /// The name of the pinned stream.
    pub(crate) pinned: Ident,
    pub(crate) body: TokenStream,
}

impl ForAwaitLoop<'_> {
    pub(crate) fn lower(self) -> TokenStream {
        let ForAwaitLoop {
            label,
            for_span,
            await_span,
            pat,
            stream,
            pinned,
            body,
        } = self;
        let while_kw = Ident::new("while", for_span);
        // At the user's `await`, but marked as expanded code, so that rustc does not
        // suggest edits to a `.await` the user never wrote.
        // The check that the stream is one, the call to `next` and the `.await` are all
        // spelled at the user's `await` (as expanded code, so that rustc does not
        // suggest edits to a `.await` the user never wrote): with one span, a stream
        // of the wrong type is reported once, not once per use (see [`check_span`]).
        let check_span = Span::mixed_site().located_at(await_span);
        let await_kw = Ident::new("await", check_span);
        let private = private_alias(check_span);
        let pinned_at_check = Ident::new(&pinned.to_string(), pinned.span().located_at(check_span));
        let next = quote_spanned! {check_span=>
            #private::StreamExt::next(&mut #pinned_at_check)
        };
        let private_at_for = private_alias(for_span);
        let pin = quote_spanned! {for_span=>
            let mut #pinned = #private_at_for::pin!(#stream);
        };
        let check = quote_spanned! {check_span=>
            let mut #pinned_at_check = #private::for_await_stream(#pinned_at_check);
        };
        let some = quote_spanned! {for_span=> ::core::option::Option::Some };
        let item = hidden_ident("item", for_span);
        let bind = bind_pattern(pat, &item);
        quote_spanned! {for_span=>
            {
                #pin
                #check
                #label #while_kw let #some(#item) = #next.#await_kw {
                    #bind
                    #body
                }
            }
        }
    }
}

/// `let PAT = ITEM;`: a loop's item bound by a `let`, so that a refutable pattern is an
/// error, as in a `for` loop, rather than the end of the loop.
pub(crate) fn bind_pattern(pat: &Pat, item: &Ident) -> TokenStream {
    // Spanning the whole pattern, like the pattern in a `for` loop.
    let let_kw = Ident::new("let", first_span(pat));
    let semi = quote_spanned!(last_span(pat)=> ;);
    // `let` takes top-level alternatives (`A | B`) only in parentheses.
    // Spelled at the user's pattern, but the binding is the loop's: a stream of `()`
    // is not a `let` of a unit value.
    match pat {
        Pat::Or(_) => quote_spanned! {first_span(pat)=>
            #[allow(unused_parens, clippy::let_unit_value)]
            #let_kw (#pat) = #item #semi
        },
        _ => quote_spanned! {first_span(pat)=>
            #[allow(clippy::let_unit_value)]
            #let_kw #pat = #item #semi
        },
    }
}

pub(crate) fn first_span(tokens: &impl ToTokens) -> Span {
    tokens
        .to_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |tt| tt.span())
}

fn last_span(tokens: &impl ToTokens) -> Span {
    tokens
        .to_token_stream()
        .into_iter()
        .last()
        .map_or_else(Span::call_site, |tt| tt.span())
}

fn regroup(group: &Group, stream: TokenStream) -> Group {
    let mut new = Group::new(group.delimiter(), stream);
    new.set_span(group.span());
    new
}
