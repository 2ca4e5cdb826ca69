//! Lowers `for await PAT in STREAM { ... }`, which is not Rust syntax, to a `while let`
//! over the pinned stream, before the body is parsed.
//!
//! This runs on tokens (not on a syntax tree) so that it also reaches loops written
//! inside the token trees of other macros, such as a `tokio::select!` arm.
//!
//! Each loop's body opens with a marker that names the loop's pinned stream; the
//! rewriter takes it off and lowers every `yield` inside with [`yield_in_loops_call`],
//! so that closing the generator at that yield closes the iterated generators first.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Pat, Token};

use crate::crate_path::private_alias;
use crate::hidden::hidden_ident;
use crate::nested::generator_call_len;
use crate::rewrite::yielder_ident;

/// The inner attribute that opens the body of each lowered loop of a generator body,
/// `#![__asyncgen_for_await_body(PINNED)]`, naming the loop's pinned stream: the
/// rewriter takes it off and lowers each `yield` inside so that closing the generator
/// there closes the iterated generators first (see `asyncgen::__private::Probe`).
pub(crate) const FOR_AWAIT_BODY_MARKER: &str = "__asyncgen_for_await_body";

/// The pinned stream that the marker opening a lowered `for await` body names (see
/// [`FOR_AWAIT_BODY_MARKER`]), and the body without it; `Err(tokens)` if they do not
/// start with it.
pub(crate) fn take_loop_body_marker(
    tokens: TokenStream,
) -> Result<(Ident, TokenStream), TokenStream> {
    let mut iter = tokens.clone().into_iter();
    let stream = match (iter.next(), iter.next(), iter.next()) {
        (
            Some(TokenTree::Punct(pound)),
            Some(TokenTree::Punct(bang)),
            Some(TokenTree::Group(attr)),
        ) if pound.as_char() == '#' && bang.as_char() == '!' => {
            syn::parse2::<syn::Meta>(attr.stream())
                .ok()
                .and_then(|meta| loop_body_stream(&meta))
        }
        _ => None,
    };
    stream.map(|stream| (stream, iter.collect())).ok_or(tokens)
}

/// The pinned stream named by `#![__asyncgen_for_await_body(STREAM)]`.
pub(crate) fn loop_body_stream(meta: &syn::Meta) -> Option<Ident> {
    let list = meta.require_list().ok()?;
    list.path
        .is_ident(FOR_AWAIT_BODY_MARKER)
        .then(|| syn::parse2::<Ident>(list.tokens.clone()).ok())?
}

/// `yield VALUE` inside the bodies of `for await` loops whose pinned streams are
/// `loops` (outermost first): when the consumer closes the generator at this yield, the
/// iterated streams that are generators are closed first, innermost first, before the
/// yield stops the body. Whether each is a generator is decided here, where its type is
/// known (`Probe(..).closer()`), so that other streams cost nothing.
pub(crate) fn yield_in_loops_call(
    yield_span: Span,
    value: &TokenStream,
    loops: &[Ident],
) -> TokenStream {
    let yielder = yielder_ident(yield_span);
    let private = private_alias(yield_span);
    // Innermost first: `(inner, (outer, ()))`.
    let enclosing = loops
        .iter()
        .fold(quote_spanned!(yield_span=> ()), |outer, stream| {
            let stream = Ident::new(&stream.to_string(), stream.span().located_at(yield_span));
            // Bound by a `let`, so that the probe (which the fallback `closer` borrows)
            // is dropped before the yield suspends the body, rather than kept in its state.
            let closer = hidden_ident("closer", yield_span);
            quote_spanned! {yield_span=>
                (
                    {
                        let #closer = #private::Probe(#private::Pin::as_mut(&mut #stream)).closer();
                        #closer
                    },
                    #outer,
                )
            }
        });
    quote_spanned! {yield_span=>
        #private::yield_in_loops(&mut #yielder, #private::YieldValue { value: #value }, #enclosing)
            .await
    }
}

/// Rewrites every `for await` in `input`, except inside nested generator macros.
pub(crate) fn lower_for_await(input: TokenStream) -> syn::Result<TokenStream> {
    lower_for_await_counting(input, &mut 0)
}

/// [`lower_for_await`], numbering the loops from `*loops` on: each loop's pinned stream
/// gets a name of its own, so that a `yield` in nested loops can name all of them.
fn lower_for_await_counting(input: TokenStream, loops: &mut usize) -> syn::Result<TokenStream> {
    let tokens = lower_in_groups(input, loops)?;
    lower_at_this_level(tokens, loops)
}

/// Lowers the contents of each group first, so that loops nested in a `for await` body
/// are already plain Rust when that body is moved into its `while let`.
fn lower_in_groups(input: TokenStream, loops: &mut usize) -> syn::Result<Vec<TokenTree>> {
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
                let inner = lower_for_await_counting(group.stream(), loops)?;
                out.push(TokenTree::Group(regroup(group, inner)));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    Ok(out)
}

fn lower_at_this_level(mut tokens: Vec<TokenTree>, loops: &mut usize) -> syn::Result<TokenStream> {
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
        let (lowered, rest) = lower_one.parse2(rest).map(|parts| {
            *loops += 1;
            (parts.emit(&for_kw, &await_kw, label, *loops), parts.rest)
        })?;
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
    fn emit(&self, for_kw: &Ident, await_kw: &Ident, label: TokenStream, n: usize) -> TokenStream {
        let pinned = hidden_ident(&format!("stream{n}"), await_kw.span());
        let marker = Ident::new(FOR_AWAIT_BODY_MARKER, await_kw.span());
        ForAwaitLoop {
            body_attrs: quote!(#![#marker(#pinned)]),
            label,
            for_span: for_kw.span(),
            await_span: await_kw.span(),
            pat: &self.pat,
            stream: self.stream.to_token_stream(),
            pinned,
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
///   LABEL while let Some(item) = next(&mut pinned).await { ATTRS let PAT = item; BODY } }
/// ```
///
/// In a generator body, `ATTRS` is the marker that names `pinned` to the rewriter (see
/// [`FOR_AWAIT_BODY_MARKER`]); each loop's `pinned` has a name of its own.
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
    /// Inner attributes for the loop's body, or nothing.
    pub(crate) body_attrs: TokenStream,
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
            body_attrs,
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
                    #body_attrs
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
