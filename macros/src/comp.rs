//! `comp!`: async comprehensions (Python's PEP 530) expanded straight into the
//! generator engine, so a comprehension costs what the equivalent hand-written
//! `generate` loop costs.
//!
//! `comp![EXPR for P1 in I1 if C for await P2 in S2]` becomes, in Python's order:
//!
//! ```text
//! match (I1) {                      // the outermost iterable is evaluated eagerly,
//!     it0 => generate(move |mut y| async move {   // as in Python (PEP 289)
//!         for P1 in it0 {
//!             let c: bool = C;
//!             if c {
//!                 let mut s1 = pin!(for_await_stream(S2));
//!                 while let Some(item) = next(&mut s1).await {
//!                     let P2 = item;
//!                     y.yield_(EXPR).await;
//!                 }
//!             }
//!         }
//!     }),
//! }
//! ```

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Pat, Token};

use crate::crate_path::{declare_private_alias, private_alias};
use crate::for_await::{ForAwaitLoop, bind_pattern, check_span, yield_in_loops_call};
use crate::hidden::hidden_ident;
use crate::rewrite::{yield_call, yielder_ident};

/// Parses and expands one `comp![...]` invocation; parse errors become
/// `compile_error!`s at the offending tokens.
pub(crate) fn expand(input: TokenStream, krate: &TokenStream) -> TokenStream {
    match syn::parse2::<Comprehension>(input) {
        Ok(comprehension) => comprehension.expand(krate),
        Err(error) => error.to_compile_error(),
    }
}

struct Comprehension {
    element: Expr,
    /// Never empty; the first one is a `for` clause.
    clauses: Vec<Clause>,
}

enum Clause {
    /// `for PAT in ITER`: a plain `IntoIterator`.
    For { pat: Pat, iter: Expr },
    /// `for await PAT in STREAM`: any `Stream`, pinned on the generator's own state.
    ForAwait {
        for_span: Span,
        await_span: Span,
        pat: Pat,
        stream: Expr,
    },
    /// `if COND`.
    If { cond: Expr },
}

const SHAPE: &str = "a comprehension is `comp![EXPR for PAT in ITER ...]`, \
                     optionally followed by more `for PAT in ITER`, \
                     `for await PAT in STREAM` and `if COND` clauses";

impl Parse for Comprehension {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(format!("expected an element expression: {SHAPE}")));
        }
        let element: Expr = input.parse()?;
        if input.is_empty() {
            return Err(syn::Error::new_spanned(
                &element,
                format!("expected a `for` clause after the element expression: {SHAPE}"),
            ));
        }
        if !input.peek(Token![for]) {
            return Err(unexpected_token(
                input,
                "expected a `for` clause after the element expression (the first clause must be a `for`)",
            ));
        }
        let mut clauses = Vec::new();
        while !input.is_empty() {
            if input.peek(Token![for]) {
                clauses.push(parse_for(input)?);
            } else if input.peek(Token![if]) {
                clauses.push(parse_if(input)?);
            } else {
                return Err(unexpected_token(
                    input,
                    "expected `for`, `if` or the end of the comprehension",
                ));
            }
        }
        Ok(Comprehension { element, clauses })
    }
}

/// An error at the next token, with a hint when it is Python's `async for`.
fn unexpected_token(input: ParseStream<'_>, message: &str) -> syn::Error {
    if input.peek(Token![async]) && input.peek2(Token![for]) {
        return input.error(
            "Python's `async for` is spelled `for await` here: `comp![x for await x in stream]`",
        );
    }
    input.error(message)
}

fn parse_for(input: ParseStream<'_>) -> syn::Result<Clause> {
    let for_token: Token![for] = input.parse()?;
    if input.peek(Token![async]) {
        return Err(input.error(
            "a `for` clause over a stream is spelled `for await`: `comp![x for await x in stream]`",
        ));
    }
    let await_token: Option<Token![await]> = input.parse()?;
    let pat = Pat::parse_multi_with_leading_vert(input)?;
    if !input.peek(Token![in]) {
        let message = "expected `in` after the pattern of this `for` clause: `for PAT in ITER`";
        return Err(if input.is_empty() {
            syn::Error::new_spanned(quote!(#for_token #await_token #pat), message)
        } else {
            input.error(message)
        });
    }
    let in_token: Token![in] = input.parse()?;
    if input.is_empty() || input.peek(Token![for]) || input.peek(Token![if]) {
        return Err(syn::Error::new_spanned(
            in_token,
            "expected an expression to iterate after `in`",
        ));
    }
    let iter: Expr = input.parse()?;
    Ok(match await_token {
        Some(await_token) => Clause::ForAwait {
            for_span: for_token.span,
            await_span: await_token.span,
            pat,
            stream: iter,
        },
        None => Clause::For { pat, iter },
    })
}

fn parse_if(input: ParseStream<'_>) -> syn::Result<Clause> {
    let if_token: Token![if] = input.parse()?;
    if input.is_empty() || input.peek(Token![for]) || input.peek(Token![if]) {
        return Err(syn::Error::new_spanned(
            if_token,
            "expected a condition after `if`: `if COND`",
        ));
    }
    let cond: Expr = input.parse()?;
    Ok(Clause::If { cond })
}

/// The expression after `in`, evaluated where the loop starts (or hoisted out of the
/// generator); the loops check that it is what they iterate.
fn source(clause: &Clause) -> TokenStream {
    match clause {
        Clause::For { iter: e, .. } | Clause::ForAwait { stream: e, .. } => quote!((#e)),
        Clause::If { .. } => unreachable!("`if` clauses iterate nothing"),
    }
}

/// The span of the expression a `for` clause iterates.
fn source_span(clause: &Clause) -> Span {
    match clause {
        Clause::For { iter: e, .. } | Clause::ForAwait { stream: e, .. } => check_span(e),
        Clause::If { cond } => cond.span(),
    }
}

/// Whether `tokens` contain `await` anywhere, macro arguments included.
fn mentions_await(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "await",
        TokenTree::Group(group) => mentions_await(group.stream()),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

impl Comprehension {
    fn expand(self, krate: &TokenStream) -> TokenStream {
        let alias = declare_private_alias(krate);
        let yielder = yielder_ident(Span::call_site());
        let condition = hidden_ident("condition", Span::call_site());
        let item = hidden_ident("item", Span::call_site());
        // Named after the clause's depth; located at the iterated expression so that a
        // hoisted iterable that is not iterable is reported there.
        let source_name = |depth: usize| {
            hidden_ident(&format!("source{depth}"), source_span(&self.clauses[depth]))
        };

        // Python evaluates the outermost iterable when the comprehension is created,
        // in the enclosing scope; doing the same lets it borrow (`v.iter()`) instead
        // of moving `v` into the stream. An `.await` can only run inside the
        // generator, so such an iterable is evaluated on the first poll instead.
        let first = &self.clauses[0];
        let hoisted = match first {
            Clause::For { iter: e, .. } | Clause::ForAwait { stream: e, .. } => {
                !mentions_await(e.to_token_stream())
            }
            Clause::If { .. } => unreachable!("the parser makes the first clause a `for`"),
        };

        let element = &self.element;
        // The pinned streams of the `for await` clauses, outermost first: closing the
        // comprehension at its yield closes those that are generators, as in a body.
        let streams: Vec<_> = (self.clauses.iter().enumerate())
            .filter(|(_, clause)| matches!(clause, Clause::ForAwait { .. }))
            .map(|(depth, _)| source_name(depth))
            .collect();
        let element = element.to_token_stream();
        let yield_element = if streams.is_empty() {
            yield_call(Span::call_site(), &element)
        } else {
            yield_in_loops_call(Span::call_site(), &element, &streams)
        };
        let mut body = quote! { #yield_element; };
        for (depth, clause) in self.clauses.iter().enumerate().rev() {
            let name = source_name(depth);
            // What the loop of a `for` clause consumes: the hoisted value, or the
            // expression itself, evaluated where the loop starts.
            let iterated = || {
                if depth == 0 && hoisted {
                    name.to_token_stream()
                } else {
                    source(clause)
                }
            };
            body = match clause {
                // A `while let` rather than a `for`, so that the check that the
                // source is an iterator is the only error when it is not one.
                Clause::For { pat, .. } => {
                    let source = iterated();
                    let check_span = source_span(clause);
                    let private = private_alias(check_span);
                    let iter = hidden_ident(&format!("source{depth}"), check_span);
                    let bind = bind_pattern(pat, &item);
                    let check = quote_spanned! {check_span=>
                        let #iter = #private::for_in_iter(#iter);
                        let mut #iter = #private::IntoIterator::into_iter(#iter);
                    };
                    let next = quote_spanned! {check_span=>
                        #private::Iterator::next(&mut #iter)
                    };
                    quote! {
                        let #name = #source;
                        #check
                        while let ::core::option::Option::Some(#item) = #next {
                            #bind
                            #body
                        }
                    }
                }
                Clause::ForAwait {
                    for_span,
                    await_span,
                    pat,
                    ..
                } => ForAwaitLoop {
                    label: TokenStream::new(),
                    for_span: *for_span,
                    await_span: *await_span,
                    pat,
                    stream: iterated(),
                    pinned: name,
                    body_attrs: TokenStream::new(),
                    body,
                }
                .lower(),
                Clause::If { cond } => quote_spanned! {cond.span()=>
                    let #condition: bool = #cond;
                    if #condition {
                        #body
                    }
                },
            };
            // Each clause's loop gets its own scope, so a stream pinned by an inner
            // `for await` is dropped when the loop around it moves on.
            body = quote! { { #body } };
        }

        let generator = quote! {
            #krate::__private::generate(move |mut #yielder| async move { #alias #body })
        };
        if hoisted {
            let name = source_name(0);
            let source = source(first);
            quote! {
                match #source {
                    #name => #generator,
                }
            }
        } else {
            generator
        }
    }
}
