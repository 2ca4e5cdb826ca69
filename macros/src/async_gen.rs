//! Expansion of `async_gen!` and `try_async_gen!` into the engine's `generate` and
//! `try_generate`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::visit_mut::VisitMut;
use syn::{Block, Stmt};

use crate::for_await::lower_for_await;
use crate::rewrite::{Flavor, Rewriter, yielder_ident};

pub(crate) fn expand(input: TokenStream, flavor: Flavor) -> TokenStream {
    let mut rewriter = Rewriter::new(flavor);
    let body = match parse_body(input) {
        Ok(mut stmts) => {
            for stmt in &mut stmts {
                rewriter.visit_stmt_mut(stmt);
            }
            quote!(#(#stmts)*)
        }
        // Best effort on a syntax error: the body still reaches the compiler (and
        // IDEs), rewritten token by token, next to the error.
        Err((error, tokens)) => {
            rewriter.push_error(error);
            rewriter.rewrite_tokens(tokens)
        }
    };
    let yielder = yielder_ident(Span::call_site());
    let call = match flavor {
        Flavor::Plain => quote! {
            ::asyncgen::__private::generate(move |mut #yielder| async move { #body })
        },
        // The body is wrapped in a block so that a trailing expression without `;`
        // still parses; the final `return` is unreachable when the body itself
        // returns or loops forever, which is not worth a warning in user code.
        Flavor::Try => quote! {
            ::asyncgen::__private::try_generate(move |mut #yielder| async move {
                { #body }
                #[allow(unreachable_code)]
                return ::core::result::Result::Ok(());
            })
        },
    };
    match rewriter.into_errors() {
        None => call,
        Some(errors) => {
            let errors = errors.to_compile_error();
            quote!({ #errors #call })
        }
    }
}

/// The body's statements after lowering `for await`; on a syntax error, the error and
/// the tokens to fall back on.
fn parse_body(input: TokenStream) -> Result<Vec<Stmt>, (syn::Error, TokenStream)> {
    let lowered = lower_for_await(input.clone()).map_err(|error| (error, input))?;
    Block::parse_within
        .parse2(lowered.clone())
        .map_err(|error| (error, lowered))
}
