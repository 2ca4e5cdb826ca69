//! Expansion of `async_gen!` and `try_async_gen!` into the engine's `generate` and
//! `try_generate`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser};
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, Stmt, Token, Type};

use crate::crate_path::declare_private_alias;
use crate::for_await::lower_for_await;
use crate::rewrite::{Flavor, Rewriter, yielder_ident};
use crate::try_finally::{check_yield_in_conditions, lower_try_finally, strip_try_finally};

pub(crate) fn expand(input: TokenStream, flavor: Flavor, krate: &TokenStream) -> TokenStream {
    let mut rewriter = Rewriter::new(flavor);
    let (header, input) = match split_header(input, flavor) {
        Ok(split) => split,
        Err((error, input)) => {
            rewriter.push_error(error);
            (Header::default(), input)
        }
    };
    let error = header
        .error
        .as_ref()
        .map_or_else(|| quote!(_), |e| e.to_token_stream());
    let body = match parse_body(input, flavor, &error) {
        Ok(mut stmts) => {
            discard_tail_yield(&mut stmts);
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
    // The closure's parameter is typed only where inference has nothing to go on: the
    // item type the header names, or `()` for a body that never yields (as with
    // async-stream). Otherwise the expansion is the plain closure of `generate`.
    let item = match header.item {
        Some(item) => Some(item.to_token_stream()),
        None if !rewriter.yields() => Some(quote!(())),
        None => None,
    };
    // A body that uses a yield's value (or names the type sent in) can be sent values:
    // its resume type is inferred from that use. Otherwise it is `()`, which `generate`
    // fixes, so that nothing needs naming.
    let sends = header.resume.is_some() || rewriter.uses_yield_values();
    let yielder = match (item, header.resume) {
        (Some(item), Some(resume)) => {
            quote!(mut #yielder: #krate::__private::Yielder<#item, #resume>)
        }
        (None, Some(resume)) => quote!(mut #yielder: #krate::__private::Yielder<_, #resume>),
        (Some(item), None) if sends => quote!(mut #yielder: #krate::__private::Yielder<#item, _>),
        (Some(item), None) => quote!(mut #yielder: #krate::__private::Yielder<#item>),
        (None, None) => quote!(mut #yielder),
    };
    let (generate, try_generate) = if sends {
        (quote!(generate_with_send), quote!(try_generate_with_send))
    } else {
        (quote!(generate), quote!(try_generate))
    };
    let alias = declare_private_alias(krate);
    let call = match flavor {
        Flavor::Plain => quote! {
            #krate::__private::#generate(move |#yielder| async move { #alias #body })
        },
        // The body is wrapped in a block so that a trailing expression without `;`
        // still parses; the final `return` is unreachable when the body itself
        // returns or loops forever, which is not worth a warning in user code.
        Flavor::Try => {
            quote! {
                #krate::__private::#try_generate(move |#yielder| async move {
                    #alias
                    { #body }
                    #[allow(unreachable_code)]
                    return ::core::result::Result::Ok::<(), #error>(());
                })
            }
        }
    };
    match rewriter.into_errors() {
        None => call,
        Some(errors) => {
            let errors = errors.to_compile_error();
            quote!({ #errors #call })
        }
    }
}

/// A `yield` that ends the body (or ends a branch that ends it) gets a `;`: its value,
/// `Option<R>`, is not the body's output, which is `()`.
fn discard_tail_yield(stmts: &mut [Stmt]) {
    let Some(Stmt::Expr(tail, semi @ None)) = stmts.last_mut() else {
        return;
    };
    match tail {
        Expr::Yield(_) => *semi = Some(Default::default()),
        Expr::Block(block) => discard_tail_yield(&mut block.block.stmts),
        Expr::If(if_expr) => discard_tail_yield_in_if(if_expr),
        Expr::Match(match_expr) => {
            for arm in &mut match_expr.arms {
                if let Expr::Yield(_) = *arm.body {
                    let body = (*arm.body).clone();
                    *arm.body = syn::parse_quote!({ #body; });
                } else if let Expr::Block(block) = &mut *arm.body {
                    discard_tail_yield(&mut block.block.stmts);
                }
            }
        }
        _ => {}
    }
}

fn discard_tail_yield_in_if(if_expr: &mut syn::ExprIf) {
    discard_tail_yield(&mut if_expr.then_branch.stmts);
    match if_expr.else_branch.as_mut().map(|(_, e)| &mut **e) {
        Some(Expr::Block(block)) => discard_tail_yield(&mut block.block.stmts),
        Some(Expr::If(nested)) => discard_tail_yield_in_if(nested),
        _ => {}
    }
}

/// The types a body's header names: `type Item = T;` in `async_gen!`, `type Ok = T;`
/// and `type Error = E;` in `try_async_gen!`.
#[derive(Default)]
struct Header {
    item: Option<Type>,
    error: Option<Type>,
    resume: Option<Type>,
}

/// Splits the header (the leading `type NAME = TYPE;` lines that name the stream's
/// types) off a body; on an error, the error and the input to go on with.
fn split_header(
    input: TokenStream,
    flavor: Flavor,
) -> Result<(Header, TokenStream), (syn::Error, TokenStream)> {
    let parse = |stream: ParseStream<'_>| {
        let mut header = Header::default();
        while let Some(name) = header_name(stream) {
            stream.parse::<Token![type]>()?;
            let name_ident: Ident = stream.parse()?;
            stream.parse::<Token![=]>()?;
            let ty: Type = stream.parse()?;
            stream.parse::<Token![;]>()?;
            let slot = match (flavor, name.as_str()) {
                (Flavor::Plain, "Item") | (Flavor::Try, "Ok") => &mut header.item,
                (Flavor::Try, "Error") => &mut header.error,
                (_, "Resume") => &mut header.resume,
                (Flavor::Plain, _) => {
                    return Err(syn::Error::new(
                        name_ident.span(),
                        "`async_gen!` names its item type with `type Item = T;`; a stream \
                         with an error type is a `try_async_gen!`",
                    ));
                }
                (Flavor::Try, _) => {
                    return Err(syn::Error::new(
                        name_ident.span(),
                        "`try_async_gen!` yields `Result<Ok, Error>` items: name the yielded \
                         type with `type Ok = T;` and the error type with `type Error = E;`",
                    ));
                }
            };
            if slot.replace(ty).is_some() {
                return Err(syn::Error::new(
                    name_ident.span(),
                    format!("`type {name}` is named twice"),
                ));
            }
        }
        Ok((header, stream.parse::<TokenStream>()?))
    };
    parse.parse2(input.clone()).map_err(|error| (error, input))
}

/// The name of the header line at the cursor (`type Item =`, `type Ok =` or
/// `type Error =`), if there is one: any other `type` item is the body's own.
fn header_name(stream: ParseStream<'_>) -> Option<String> {
    let fork = stream.fork();
    fork.parse::<Token![type]>().ok()?;
    let name: Ident = fork.parse().ok()?;
    fork.peek(Token![=]).then_some(())?;
    let name = name.to_string();
    ["Item", "Ok", "Error", "Resume"]
        .contains(&name.as_str())
        .then_some(name)
}

/// The body's statements after lowering `for await`; on a syntax error, the error and
/// the tokens to fall back on.
fn parse_body(
    input: TokenStream,
    flavor: Flavor,
    error: &TokenStream,
) -> Result<Vec<Stmt>, (syn::Error, TokenStream)> {
    let lowered = check_yield_in_conditions(&input)
        .and_then(|()| lower_for_await(input.clone()))
        .and_then(|lowered| lower_try_finally(lowered, flavor, error))
        .map_err(|error| (error, strip_try_finally(input)))?;
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
        assert!(out.starts_with(":: asyncgen :: __private :: generate (move | mut r#yield |"));
        assert!(out.contains("__asyncgen_private :: yield_value (& mut r#yield , __asyncgen_private :: YieldValue { value : 1 }) . await ;"), "{out}");
        assert!(out.contains("__asyncgen_private :: yield_value (& mut r#yield , __asyncgen_private :: YieldValue { value : () }) . await ;"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_body_that_never_yields_has_unit_items_and_a_header_names_the_types() {
        let silent = expand_str("run().await;", Flavor::Plain);
        assert!(
            silent.contains("| mut r#yield : :: asyncgen :: __private :: Yielder < () > |"),
            "{silent}"
        );
        let yielding = expand_str("yield 1;", Flavor::Plain);
        assert!(yielding.contains("| mut r#yield |"), "{yielding}");
        let named = expand_str("type Item = u64; run().await;", Flavor::Plain);
        assert!(named.contains("Yielder < u64 >"), "{named}");
        assert!(!named.contains("type Item"), "{named}");
        let fallible = expand_str(
            "type Error = std::num::ParseIntError; yield t.parse::<i32>()?;",
            Flavor::Try,
        );
        assert!(fallible.contains("| mut r#yield |"), "{fallible}");
        assert!(
            fallible.contains("Ok :: < () , std :: num :: ParseIntError > (())"),
            "{fallible}"
        );
        let both = expand_str("type Ok = i32; type Error = E; yield 1;", Flavor::Try);
        assert!(both.contains("Yielder < i32 >"), "{both}");
        assert!(both.contains("Ok :: < () , E >"), "{both}");
    }

    #[test]
    fn a_header_line_of_the_other_macro_is_an_error_and_other_type_items_are_the_bodys() {
        let plain = expand_str("type Error = E; yield 1;", Flavor::Plain);
        assert!(plain.contains("compile_error"), "{plain}");
        let fallible = expand_str("type Item = u32; yield 1;", Flavor::Try);
        assert!(fallible.contains("compile_error"), "{fallible}");
        let twice = expand_str("type Item = u32; type Item = u64; yield 1;", Flavor::Plain);
        assert!(twice.contains("named twice"), "{twice}");
        let local = expand_str(
            "type Pair = (u8, u8); let p: Pair = (1, 2); yield p;",
            Flavor::Plain,
        );
        assert!(local.contains("type Pair = (u8 , u8) ;"), "{local}");
        assert!(!local.contains("compile_error"), "{local}");
    }

    #[test]
    fn nested_generator_macros_are_left_alone() {
        let out = expand_str(
            "yield 1; let s = asyncgen::async_gen! { yield 2; }; \
             let t = try_async_gen!(yield 3;); let c = comp![x for x in [yield 4]];",
            Flavor::Plain,
        );
        assert_eq!(out.matches("yield_value").count(), 1, "{out}");
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
        assert!(
            out.contains("pin ! ((s))") || out.contains("pin ! (s)"),
            "{out}"
        );
        assert_eq!(out.matches("for_await_stream").count(), 2, "{out}");
        assert!(!out.contains("await x"), "{out}");
    }

    #[test]
    fn yields_in_for_await_bodies_borrow_the_loops_streams_innermost_first() {
        let out = expand_str(
            "yield 0; for await a in s { yield 1; for await b in t { yield 2; m!(yield 3); } } \
             m! { for await c in u { yield 4; } }",
            Flavor::Plain,
        );
        assert!(!out.contains("__asyncgen_for_await_body"), "{out}");
        assert_eq!(out.matches("yield_value").count(), 1, "{out}");
        assert_eq!(out.matches("yield_in_loops").count(), 4, "{out}");
        // The name each loop pins its stream under, and how a yield borrows it.
        let probe = |stream: &str| {
            let pinned = &out[..out.find(&format!("pin ! ({stream})")).unwrap()];
            let name = pinned.split_whitespace().rev().nth(3).unwrap();
            format!("Pin :: as_mut (& mut {name})")
        };
        let yield_2 = &out[out.find("value : 2").unwrap()..];
        let (inner, outer) = (yield_2.find(&probe("t")), yield_2.find(&probe("s")));
        assert!(inner.unwrap() < outer.unwrap(), "{out}");
        assert_ne!(probe("t"), probe("s"));
        assert!(out.contains(&probe("u")), "{out}");
    }

    #[test]
    fn try_bare_return_becomes_ok_but_not_inside_closures() {
        let out = expand_str("let f = || { return; }; return;", Flavor::Try);
        assert!(out.starts_with(":: asyncgen :: __private :: try_generate"));
        assert_eq!(
            out.matches("return :: core :: result :: Result :: Ok")
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
            assert!(!out.contains("yield_value"), "{body}: {out}");
        }
    }

    #[test]
    fn yields_inside_macro_tokens_stop_at_separators() {
        let out = expand_str(
            "tokio::select! { v = rx.recv() => yield v + 1, _ = t => { yield; } }",
            Flavor::Plain,
        );
        assert!(
            out.contains("=> { __asyncgen_private :: yield_value (& mut r#yield , __asyncgen_private :: YieldValue { value : v + 1 }) . await ; } ,"),
            "{out}"
        );
        assert!(
            out.contains("{ __asyncgen_private :: yield_value (& mut r#yield , __asyncgen_private :: YieldValue { value : () }) . await ; }"),
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
        assert_eq!(out.matches("yield_value").count(), 2, "{out}");
    }
}
