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
        let ForAwait {
            pat, stream, body, ..
        } = self;
        // Hygienic: the body cannot name (or shadow) the pinned stream.
        let pinned = Ident::new(
            "__asyncgen_stream",
            Span::mixed_site().located_at(await_kw.span()),
        );
        let stream_span = first_span(stream);
        let while_kw = Ident::new("while", for_kw.span());
        let private = private_alias(stream_span);
        let checked = quote_spanned! {stream_span=>
            #private::for_await_stream(#stream)
        };
        // At the user's `await`, but marked as expanded code, so that rustc does not
        // suggest edits to a `.await` the user never wrote.
        let expanded_await = Span::mixed_site().located_at(await_kw.span());
        let await_kw = Ident::new("await", expanded_await);
        let private_at_await = private_alias(expanded_await);
        let next = quote_spanned! {expanded_await=>
            #private_at_await::StreamExt::next(&mut #pinned).#await_kw
        };
        let private_at_for = private_alias(for_kw.span());
        let pin = quote_spanned! {for_kw.span()=>
            let mut #pinned = #private_at_for::pin!(#checked);
        };
        let some = quote_spanned! {for_kw.span()=> ::core::option::Option::Some };
        // Bound by a `let` rather than in the `while let`, so that a refutable pattern
        // is an error, as in a `for` loop, instead of silently ending the loop.
        let item = Ident::new(
            "__asyncgen_item",
            Span::mixed_site().located_at(for_kw.span()),
        );
        // Spanning the whole pattern, like the pattern in a `for` loop.
        let let_kw = Ident::new("let", first_span(pat));
        let semi = quote_spanned!(last_span(pat)=> ;);
        // `let` takes top-level alternatives (`A | B`) only in parentheses.
        let pat = match pat {
            Pat::Or(_) => quote_spanned!(first_span(pat)=> (#pat)),
            _ => pat.to_token_stream(),
        };
        let bind = quote_spanned! {first_span(&pat)=> #let_kw #pat = #item #semi };
        quote_spanned! {for_kw.span()=>
            {
                #pin
                #label #while_kw let #some(#item) = #next {
                    #bind
                    #body
                }
            }
        }
    }
}

fn first_span(tokens: &impl ToTokens) -> Span {
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
