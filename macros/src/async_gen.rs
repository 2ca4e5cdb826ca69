//! Expansion of `async_gen!` and `try_async_gen!` into the engine's `generate` and
//! `try_generate`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::visit_mut::VisitMut;
use syn::{Block, Stmt};

use crate::crate_path::declare_private_alias;
use crate::for_await::lower_for_await;
use crate::rewrite::{Flavor, Rewriter, yielder_ident};

pub(crate) fn expand(input: TokenStream, flavor: Flavor, krate: &TokenStream) -> TokenStream {
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
    let alias = declare_private_alias(krate);
    let call = match flavor {
        Flavor::Plain => quote! {
            #krate::__private::generate(move |mut #yielder| async move { #alias #body })
        },
        // The body is wrapped in a block so that a trailing expression without `;`
        // still parses; the final `return` is unreachable when the body itself
        // returns or loops forever, which is not worth a warning in user code.
        Flavor::Try => quote! {
            #krate::__private::try_generate(move |mut #yielder| async move {
                #alias
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

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(body: &str, flavor: Flavor) -> String {
        expand(body.parse().unwrap(), flavor, &quote!(::asyncgen)).to_string()
    }

    #[test]
    fn yield_becomes_an_awaited_call_on_the_yielder() {
        let out = expand_str("yield 1; yield;", Flavor::Plain);
        assert!(out.starts_with(":: asyncgen :: __private :: generate (move | mut __yielder |"));
        assert!(out.contains("__yielder . yield_ (1) . await ;"), "{out}");
        assert!(out.contains("__yielder . yield_ (()) . await ;"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn nested_generator_macros_are_left_alone() {
        let out = expand_str(
            "yield 1; let s = asyncgen::async_gen! { yield 2; }; \
             let t = try_async_gen!(yield 3;); let c = comp![x for x in [yield 4]];",
            Flavor::Plain,
        );
        assert_eq!(out.matches("yield_").count(), 1, "{out}");
        assert!(
            out.contains("asyncgen :: async_gen ! { yield 2 ; }"),
            "{out}"
        );
        assert!(out.contains("try_async_gen ! (yield 3 ;)"), "{out}");
        assert!(out.contains("comp ! [x for x in [yield 4]]"), "{out}");
    }

    #[test]
    fn for_await_becomes_a_while_let_that_keeps_its_label() {
        let out = expand_str(
            "'rows: for await x in s { for await y in t { continue 'rows; } }",
            Flavor::Plain,
        );
        assert_eq!(out.matches("while let").count(), 2, "{out}");
        assert!(out.contains("'rows : while let"), "{out}");
        assert!(out.contains("for_await_stream (s)"), "{out}");
        assert!(!out.contains("await x"), "{out}");
    }

    #[test]
    fn try_bare_return_becomes_ok_but_not_inside_closures() {
        let out = expand_str("let f = || { return; }; return;", Flavor::Try);
        assert!(out.starts_with(":: asyncgen :: __private :: try_generate"));
        assert_eq!(
            out.matches("return :: core :: result :: Result :: Ok (())")
                .count(),
            2,
            "the user's `return;` and the final one: {out}"
        );
        assert!(out.contains("{ return ; }"), "{out}");
    }

    #[test]
    fn question_mark_is_an_error_only_in_async_gen_and_only_in_its_body() {
        let plain = expand_str("let n: u32 = s.parse()?; yield n;", Flavor::Plain);
        assert!(plain.contains("compile_error"), "{plain}");
        assert!(plain.contains("try_async_gen!"), "{plain}");
        let nested = expand_str(
            "let f = || -> Option<u8> { Some(x?) }; yield f();",
            Flavor::Plain,
        );
        assert!(!nested.contains("compile_error"), "{nested}");
        let fallible = expand_str("yield s.parse::<u32>()?;", Flavor::Try);
        assert!(!fallible.contains("compile_error"), "{fallible}");
    }

    #[test]
    fn misplaced_yields_are_errors() {
        for body in [
            "let f = || { yield 1; };",
            "fn helper() { yield 1; }",
            "let fut = async { yield 1; };",
            "let v = vec![async move { yield 1 }];",
            "let v = vec![move || yield 1];",
            "m! { fn helper() { yield 1; } }",
        ] {
            let out = expand_str(body, Flavor::Plain);
            assert!(out.contains("compile_error"), "{body}: {out}");
            assert!(!out.contains("yield_"), "{body}: {out}");
        }
    }

    #[test]
    fn yields_inside_macro_tokens_stop_at_separators() {
        let out = expand_str(
            "tokio::select! { v = rx.recv() => yield v + 1, _ = t => { yield; } }",
            Flavor::Plain,
        );
        assert!(
            out.contains("=> __yielder . yield_ (v + 1) . await ,"),
            "{out}"
        );
        assert!(
            out.contains("{ __yielder . yield_ (()) . await ; }"),
            "{out}"
        );
    }

    #[test]
    fn a_syntax_error_still_emits_the_generator_with_the_body() {
        let out = expand_str("yield 1; let x = ; yield x;", Flavor::Plain);
        assert!(out.contains("compile_error"), "{out}");
        assert!(
            out.contains(":: asyncgen :: __private :: generate"),
            "{out}"
        );
        assert!(out.contains("let x = ;"), "{out}");
        assert_eq!(out.matches("yield_").count(), 2, "{out}");
    }
}
