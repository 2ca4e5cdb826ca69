//! `#[generator]` and `#[try_generator]`: an `async fn` whose body yields through a
//! `Yielder` parameter becomes a `fn` returning `impl Stream`, expanded into the same
//! engine (`generate`/`try_generate`) as `async_gen!`.
//!
//! ```text
//! #[generator]
//! async fn numbers(n: u32, mut y: Yielder<u32>) { for i in 0..n { y.yield_(i).await; } }
//! // becomes
//! fn numbers(n: u32) -> impl Stream<Item = u32> {
//!     generate(move |yielder| async move {
//!         let _ = &n;                        // every parameter moves into the stream,
//!         let mut y: Yielder<u32> = yielder; // as into an async fn's future
//!         for i in 0..n { y.yield_(i).await; }
//!     })
//! }
//! ```
//!
//! The body is the user's block, unchanged: rustfmt formats it and IDEs check it as
//! ordinary Rust. The returned `impl Stream` is built with the capture rules of edition
//! 2024 (the edition of this crate, whose tokens they are), so it captures every
//! lifetime in scope, elided ones included, as the `async fn`'s future would.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, Pat, PathArguments, ReturnType, Token, Type, TypePath};

use crate::hidden::hidden_ident;
use crate::rewrite::Flavor;

pub(crate) fn expand(args: TokenStream, item: TokenStream, flavor: Flavor) -> TokenStream {
    let attribute = match flavor {
        Flavor::Plain => "#[generator]",
        Flavor::Try => "#[try_generator]",
    };
    let krate = match parse_args.parse2(args) {
        Ok(krate) => krate,
        Err(error) => return with_item(error, item),
    };
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let message = format!("{attribute} goes on an `async fn` with a body: {error}");
            return with_item(syn::Error::new(error.span(), message), item);
        }
    };
    match expand_fn(function, flavor, attribute, &krate) {
        Ok(expanded) => expanded,
        Err(error) => with_item(error, item),
    }
}

/// The error, and the item as written, so that the rest of the program still sees
/// the function (one error rather than one at each call).
fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}

/// `crate = PATH`: where the runtime crate is, for a caller that renamed it.
fn parse_args(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    if input.is_empty() {
        return Ok(quote!(::asyncgen));
    }
    if !input.peek(Token![crate]) {
        return Err(input.error(
            "the one argument is `crate = PATH`, the path to asyncgen where it is renamed",
        ));
    }
    input.parse::<Token![crate]>()?;
    input.parse::<Token![=]>()?;
    let path: syn::Path = input.parse()?;
    if !input.is_empty() {
        return Err(input.error("expected nothing after `crate = PATH`"));
    }
    Ok(path.into_token_stream())
}

/// The `Yielder` parameter: where it was, its pattern and type, and the item type.
struct YielderParam {
    index: usize,
    pat: Pat,
    ty: Type,
    item: Type,
}

fn expand_fn(
    function: ItemFn,
    flavor: Flavor,
    attribute: &str,
    krate: &TokenStream,
) -> syn::Result<TokenStream> {
    let ItemFn {
        attrs,
        vis,
        mut sig,
        block,
    } = function;
    let Some(async_token) = sig.asyncness.take() else {
        return Err(syn::Error::new(
            sig.fn_token.span,
            format!(
                "{attribute} goes on an `async fn`: write `async fn {}(..)`",
                sig.ident
            ),
        ));
    };
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new(
            constness.span,
            format!("{attribute} cannot make a `const fn`"),
        ));
    }
    let yielder = find_yielder(&sig.inputs, attribute, &sig.ident)?;
    let output = match (&sig.output, flavor) {
        (ReturnType::Default, Flavor::Plain) => None,
        (ReturnType::Type(arrow, ty), Flavor::Plain) => {
            return Err(syn::Error::new(
                quote!(#arrow #ty).span(),
                format!(
                    "a {attribute} fn returns nothing: its items are what it yields; for a \
                     stream that ends with an error, use #[try_generator] with \
                     `-> Result<(), E>`"
                ),
            ));
        }
        (ReturnType::Default, Flavor::Try) => {
            return Err(syn::Error::new(
                sig.paren_token.span.close(),
                "a #[try_generator] fn returns `Result<(), E>`: `?` and `return Err(e)` end \
                 the stream with the error as its last item",
            ));
        }
        (ReturnType::Type(_, ty), Flavor::Try) if names_result(ty) => Some((**ty).clone()),
        (ReturnType::Type(_, ty), Flavor::Try) => {
            return Err(syn::Error::new(
                ty.span(),
                "a #[try_generator] fn returns `Result<(), E>` (or an alias named `Result`, \
                 such as `io::Result<()>`): `?` and `return Err(e)` end the stream with the \
                 error as its last item",
            ));
        }
    };

    let item = &yielder.item;
    let item_span = item.span();
    let stream_item = match &output {
        None => item.to_token_stream(),
        Some(ty) => {
            let error = error_type(ty, krate);
            quote_spanned!(ty.span()=> ::core::result::Result<#item, #error>)
        }
    };
    sig.inputs = sig
        .inputs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != yielder.index)
        .map(|(_, arg)| arg)
        .collect();
    // The opaque type is spelled with this crate's (edition 2024) tokens, located at
    // the item type, so that it captures what an `async fn`'s future captures.
    // A generator: `impl AsyncGenerator`, which is a `Stream` that also takes `send`
    // and `close`, with the resume type of the `Yielder<T, R>` parameter (`()` by
    // default).
    let resume = yielder_resume(&yielder.ty);
    let stream_trait = quote_spanned!(Span::call_site().located_at(item_span)=>
        impl #krate::__private::AsyncGenerator<Item = #stream_item, Resume = #resume>
    );
    sig.output = syn::parse2(quote!(-> #stream_trait))?;

    // Every parameter moves into the stream, used or not, as into an async fn's future
    // (which, among other things, keeps a guard passed as a parameter alive).
    let moved: Vec<TokenStream> = sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Receiver(receiver) => Some(receiver.self_token.to_token_stream()),
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) => Some(ident.ident.to_token_stream()),
                _ => None,
            },
        })
        .map(|name| quote!(let _ = &#name;))
        .collect();
    let handed = hidden_ident("yielder", async_token.span);
    let YielderParam { pat, ty, .. } = &yielder;
    let engine = match flavor {
        Flavor::Plain => quote!(generate_with_send),
        Flavor::Try => quote!(try_generate_with_send),
    };
    // The user's block keeps its own type: `()` for a generator, the declared
    // `Result<(), E>` for a fallible one.
    // The user's block keeps its declared type: `()` for a generator, `Result<(), E>`
    // (or an alias of it) for a fallible one, so that a wrong tail expression is a
    // plain mismatch at that expression.
    let declared = output
        .as_ref()
        .map_or_else(|| quote!(()), ToTokens::to_token_stream);
    let out = hidden_ident("output", declared_span(&output, &block));
    let body = match &output {
        None => quote! {
            let #out: #declared = #block;
            #out
        },
        Some(ty) => {
            let convert = quote_spanned!(ty.span()=> #krate::__private::try_output);
            quote! {
                let #out: #declared = #block;
                #convert(#out)
            }
        }
    };
    let body = quote_spanned! {block.span()=>
        #krate::__private::#engine(move |#handed| async move {
            #(#moved)*
            let #pat: #ty = #handed;
            #body
        })
    };
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            #body
        }
    })
}

/// Whether `ty` is spelled `Result<..>` (`std::result::Result`, `io::Result`, ...).
fn names_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(TypePath { qself: None, path })
        if path.segments.last().is_some_and(|last| last.ident == "Result"))
}

fn declared_span(output: &Option<Type>, block: &syn::Block) -> Span {
    output
        .as_ref()
        .map_or_else(|| block.brace_token.span.close(), Spanned::span)
}

/// `E` in `Result<(), E>`, or the projection that names it for an alias such as
/// `io::Result<()>`.
fn error_type(ty: &Type, krate: &TokenStream) -> TokenStream {
    if let Type::Path(TypePath { qself: None, path }) = ty
        && let Some(last) = path.segments.last()
        && last.ident == "Result"
        && let PathArguments::AngleBracketed(args) = &last.arguments
        && args.args.len() == 2
        && let Some(GenericArgument::Type(error)) = args.args.last()
    {
        return error.to_token_stream();
    }
    quote_spanned!(ty.span()=> <#ty as #krate::__private::TryOutput>::Error)
}

fn find_yielder(
    inputs: &Punctuated<FnArg, Token![,]>,
    attribute: &str,
    name: &syn::Ident,
) -> syn::Result<YielderParam> {
    let mut found: Option<YielderParam> = None;
    for (index, arg) in inputs.iter().enumerate() {
        let FnArg::Typed(typed) = arg else { continue };
        let Some(item) = yielder_item(&typed.ty)? else {
            continue;
        };
        if found.is_some() {
            return Err(syn::Error::new(
                typed.span(),
                format!("a {attribute} fn has one `Yielder` parameter; this is a second one"),
            ));
        }
        found = Some(YielderParam {
            index,
            pat: (*typed.pat).clone(),
            ty: (*typed.ty).clone(),
            item,
        });
    }
    found.ok_or_else(|| {
        syn::Error::new(
            name.span(),
            format!(
                "a {attribute} fn yields through a `Yielder` parameter: add `mut y: Yielder<T>` \
                 (T is the item type) and yield with `y.yield_(value).await`; the parameter is \
                 not part of the function's signature"
            ),
        )
    })
}

/// The item type of a `Yielder<T>` parameter type; `None` for any other type.
fn yielder_item(ty: &Type) -> syn::Result<Option<Type>> {
    let Type::Path(TypePath { qself: None, path }) = ty else {
        return Ok(None);
    };
    let Some(last) = path.segments.last().filter(|s| s.ident == "Yielder") else {
        return Ok(None);
    };
    let item = match &last.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        }),
        _ => None,
    };
    match item {
        Some(Type::Infer(infer)) => Err(syn::Error::new(
            infer.span(),
            "name the item type here: the function's return type is `impl Stream<Item = T>`",
        )),
        Some(item) => Ok(Some(item)),
        None => Err(syn::Error::new(
            last.span(),
            "name the item type: `Yielder<T>`",
        )),
    }
}

/// The resume type of a `Yielder<T, R>` parameter type: `R`, or `()` where it is
/// left out.
fn yielder_resume(ty: &Type) -> TokenStream {
    let Type::Path(TypePath { path, .. }) = ty else {
        return quote!(());
    };
    let resume = path.segments.last().and_then(|last| match &last.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .nth(1),
        _ => None,
    });
    resume.map_or_else(|| quote!(()), ToTokens::to_token_stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: &str, item: &str, flavor: Flavor) -> String {
        expand(args.parse().unwrap(), item.parse().unwrap(), flavor).to_string()
    }

    #[test]
    fn the_yielder_leaves_the_signature_and_names_the_item_type() {
        let out = expand_str(
            "",
            "pub async fn f(&self, n: u32, mut y: Yielder<&str>) { y.yield_(\"a\").await; }",
            Flavor::Plain,
        );
        assert!(
            out.starts_with("pub fn f (& self , n : u32) -> impl :: asyncgen :: __private :: AsyncGenerator < Item = & str , Resume = () >"),
            "{out}"
        );
        assert!(
            out.contains(":: asyncgen :: __private :: generate_with_send (move |"),
            "{out}"
        );
        assert!(out.contains("let _ = & self ; let _ = & n ;"), "{out}");
        assert!(out.contains("let mut y : Yielder < & str > ="), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn try_generator_takes_the_error_type_from_the_result_and_a_crate_path() {
        let out = expand_str(
            "crate = ::renamed",
            "async fn f(mut y: Yielder<u8>) -> Result<(), E> { Ok(()) }",
            Flavor::Try,
        );
        assert!(
            out.contains("-> impl :: renamed :: __private :: AsyncGenerator < Item = :: core :: result :: Result < u8 , E > , Resume = () >"),
            "{out}"
        );
        assert!(
            out.contains(":: renamed :: __private :: try_generate"),
            "{out}"
        );
        let alias = expand_str(
            "",
            "async fn f(mut y: Yielder<u8>) -> io::Result<()> { Ok(()) }",
            Flavor::Try,
        );
        assert!(alias.contains("TryOutput > :: Error"), "{alias}");
    }

    #[test]
    fn misuse_is_an_error_next_to_the_item_as_written() {
        for (item, flavor) in [
            ("fn f(mut y: Yielder<u8>) {}", Flavor::Plain),
            ("async fn f(n: u8) {}", Flavor::Plain),
            ("async fn f(mut y: Yielder<u8>) -> u8 { 1 }", Flavor::Plain),
            ("async fn f(mut y: Yielder<u8>) {}", Flavor::Try),
            (
                "async fn f(mut y: Yielder<u8>) -> Option<()> { None }",
                Flavor::Try,
            ),
            (
                "async fn f(mut y: Yielder<u8>, mut z: Yielder<u8>) {}",
                Flavor::Plain,
            ),
            ("async fn f(mut y: Yielder<_>) {}", Flavor::Plain),
        ] {
            let out = expand_str("", item, flavor);
            assert!(out.contains("compile_error"), "{item}: {out}");
            assert!(out.contains("fn f"), "{item}: {out}");
        }
        let out = expand_str(
            "krate = x",
            "async fn f(mut y: Yielder<u8>) {}",
            Flavor::Plain,
        );
        assert!(out.contains("crate = PATH"), "{out}");
    }
}
