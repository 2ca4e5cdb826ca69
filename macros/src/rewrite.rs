//! Rewrites a generator body: `yield` becomes an awaited call on the generator's
//! hygienic yielder, misplaced `yield`s (and `?` in `async_gen!`) become errors, and in
//! `try_async_gen!` a bare `return;` becomes `return Ok(())`.
//!
//! The syntax tree is walked with `syn`'s `VisitMut`; the token trees of macro calls
//! (`tokio::select!`, `vec!`, `println!`, ...) are walked token by token, parsing one
//! expression after each `yield`.

use proc_macro2::{Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprYield, Item, Macro, Token};

use crate::nested::{generator_call_len, is_generator_macro_path};

/// Which macro is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `async_gen!`: the body's output is `()`.
    Plain,
    /// `try_async_gen!`: the body's output is `Result<(), E>`.
    Try,
}

/// Where the code being rewritten runs, relative to the generator's body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Directly in the body: `yield` may suspend the generator here.
    Body,
    Closure,
    AsyncBlock,
    Item,
}

/// The name of the yielder, made at `at` with mixed-site hygiene: user code cannot name
/// it, while errors about it point at the user's token.
pub(crate) fn yielder_ident(at: Span) -> Ident {
    Ident::new("__yielder", Span::mixed_site().located_at(at))
}

pub(crate) struct Rewriter {
    flavor: Flavor,
    scope: Scope,
    errors: Option<syn::Error>,
}

impl Rewriter {
    pub(crate) fn new(flavor: Flavor) -> Self {
        Rewriter {
            flavor,
            scope: Scope::Body,
            errors: None,
        }
    }

    /// The errors found so far, combined into one.
    pub(crate) fn into_errors(self) -> Option<syn::Error> {
        self.errors
    }

    pub(crate) fn push_error(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    fn in_scope<R>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> R) -> R {
        let outer = core::mem::replace(&mut self.scope, scope);
        let result = f(self);
        self.scope = outer;
        result
    }

    /// `yield VALUE` (value already rewritten) as an expression.
    fn lower_yield(&mut self, yield_span: Span, value: Option<TokenStream>) -> Expr {
        let value = value.unwrap_or_else(|| quote_spanned!(yield_span=> ()));
        if let Some(message) = self.misplaced_yield_message() {
            self.push_error(syn::Error::new(yield_span, message));
            // Keeps the value type-checked without cascading errors.
            return Expr::Verbatim(quote_spanned!(yield_span=> { let _ = #value; }));
        }
        let yielder = yielder_ident(yield_span);
        Expr::Verbatim(quote_spanned!(yield_span=> #yielder.yield_(#value).await))
    }

    fn misplaced_yield_message(&self) -> Option<&'static str> {
        match self.scope {
            Scope::Body => None,
            Scope::Closure => Some(
                "`yield` cannot be used inside a closure: the closure runs apart from the \
                 generator, which cannot suspend there; yield in the generator's body \
                 instead (e.g. loop with `for` instead of `for_each`)",
            ),
            Scope::AsyncBlock => Some(
                "`yield` cannot be used inside a nested `async` block: that future is \
                 polled apart from the generator; `.await` it in the generator's body and \
                 yield there, or make it a nested `async_gen!` stream",
            ),
            Scope::Item => Some(
                "`yield` cannot be used inside a nested `fn` or other item: only the \
                 generator's own body can yield; return the value from the function and \
                 yield it in the body",
            ),
        }
    }

    fn lower_bare_return(&self, return_span: Span) -> Option<TokenStream> {
        (self.flavor == Flavor::Try && self.scope == Scope::Body)
            .then(|| quote_spanned!(return_span=> return ::core::result::Result::Ok(())))
    }

    /// Rewrites the token tree of a macro call made inside the body.
    pub(crate) fn rewrite_tokens(&mut self, input: TokenStream) -> TokenStream {
        let mut tokens: Vec<TokenTree> = input.into_iter().collect();
        let mut out = TokenStream::new();
        let mut i = 0;
        // Whether an expression may start at `tokens[i]` (so `|` opens a closure).
        let mut at_expression_start = true;
        while i < tokens.len() {
            if let Some(len) = generator_call_len(&tokens[i..]) {
                out.extend(tokens[i..i + len].iter().cloned());
                i += len;
                at_expression_start = false;
                continue;
            }
            let token = &tokens[i];
            let rest = || tokens[i + 1..].iter().cloned().collect::<TokenStream>();
            match token {
                TokenTree::Ident(ident) if ident == "yield" => {
                    let span = ident.span();
                    let (value, rest) = parse_yield_operand(rest());
                    let value = value.map(|value| match value {
                        YieldOperand::Expr(mut expr) => {
                            self.visit_expr_mut(&mut expr);
                            expr.into_token_stream()
                        }
                        YieldOperand::Raw(raw) => {
                            let raw = self.rewrite_tokens(raw);
                            quote!((#raw))
                        }
                    });
                    out.extend(self.lower_yield(span, value).into_token_stream());
                    tokens = rest.into_iter().collect();
                    i = 0;
                    at_expression_start = false;
                    continue;
                }
                TokenTree::Ident(ident) if ident == "return" => {
                    let bare = match tokens.get(i + 1) {
                        None => true,
                        Some(TokenTree::Punct(p)) => matches!(p.as_char(), ',' | ';'),
                        Some(_) => false,
                    };
                    match self.lower_bare_return(ident.span()).filter(|_| bare) {
                        Some(lowered) => out.extend(lowered),
                        None => out.extend([token.clone()]),
                    }
                    i += 1;
                    at_expression_start = true;
                    continue;
                }
                _ if opens_block_or_closure(token, at_expression_start) => {
                    if let Some((expr, rest)) = self.try_rewrite_expr(rest_from(&tokens, i)) {
                        out.extend(expr);
                        tokens = rest.into_iter().collect();
                        i = 0;
                        at_expression_start = false;
                        continue;
                    }
                }
                TokenTree::Ident(ident) if ident == "fn" => {
                    if let Some((item, rest)) = self.try_rewrite_fn(rest_from(&tokens, i)) {
                        out.extend(item);
                        tokens = rest.into_iter().collect();
                        i = 0;
                        at_expression_start = true;
                        continue;
                    }
                }
                _ => {}
            }
            at_expression_start = match token {
                // A lone `:` ends a field name or a type ascription; `::` is a path.
                TokenTree::Punct(p) if p.as_char() == ':' => {
                    let second_of_path_separator = i > 0
                        && matches!(&tokens[i - 1], TokenTree::Punct(q)
                            if q.as_char() == ':' && q.spacing() == Spacing::Joint);
                    p.spacing() == Spacing::Alone && !second_of_path_separator
                }
                TokenTree::Punct(p) => matches!(p.as_char(), ',' | ';' | '=' | '>'),
                _ => false,
            };
            match token {
                TokenTree::Group(group) => {
                    let inner = self.rewrite_tokens(group.stream());
                    let mut new = Group::new(group.delimiter(), inner);
                    new.set_span(group.span());
                    out.extend([TokenTree::Group(new)]);
                }
                other => out.extend([other.clone()]),
            }
            i += 1;
        }
        out
    }

    /// Parses one expression (a closure or an async block, typically) at the start of
    /// `tokens` and rewrites it as the tree walk would; `None` if it does not parse.
    fn try_rewrite_expr(&mut self, tokens: TokenStream) -> Option<(TokenStream, TokenStream)> {
        let (mut expr, rest) = (|input: ParseStream<'_>| {
            let expr: Expr = input.parse()?;
            Ok((expr, input.parse::<TokenStream>()?))
        })
        .parse2(tokens)
        .ok()?;
        self.visit_expr_mut(&mut expr);
        Some((expr.into_token_stream(), rest))
    }

    fn try_rewrite_fn(&mut self, tokens: TokenStream) -> Option<(TokenStream, TokenStream)> {
        let (mut item, rest) = (|input: ParseStream<'_>| {
            let item: syn::ItemFn = input.parse()?;
            Ok((Item::Fn(item), input.parse::<TokenStream>()?))
        })
        .parse2(tokens)
        .ok()?;
        self.visit_item_mut(&mut item);
        Some((item.into_token_stream(), rest))
    }
}

/// Whether `token` opens an async block or a closure: `async`, `move`, or a `|` where an
/// expression may start.
fn opens_block_or_closure(token: &TokenTree, at_expression_start: bool) -> bool {
    match token {
        TokenTree::Ident(ident) => ident == "async" || ident == "move",
        TokenTree::Punct(p) => p.as_char() == '|' && at_expression_start,
        _ => false,
    }
}

fn rest_from(tokens: &[TokenTree], i: usize) -> TokenStream {
    tokens[i..].iter().cloned().collect()
}

enum YieldOperand {
    Expr(Expr),
    /// Tokens that are not (yet) an expression, such as `$value` in a `macro_rules!`
    /// body: they are yielded as written, up to the next `,`, `;` or `=>`.
    Raw(TokenStream),
}

/// Splits what follows a `yield` inside a macro's tokens into its operand (none for a
/// bare `yield`) and the tokens after it.
fn parse_yield_operand(tokens: TokenStream) -> (Option<YieldOperand>, TokenStream) {
    let parsed = (|input: ParseStream<'_>| {
        let ends_here = input.is_empty()
            || input.peek(Token![,])
            || input.peek(Token![;])
            || input.peek(Token![=>]);
        let value = if ends_here {
            None
        } else {
            Some(input.parse::<Expr>()?)
        };
        Ok((value, input.parse::<TokenStream>()?))
    })
    .parse2(tokens.clone());
    match parsed {
        Ok((value, rest)) => (value.map(YieldOperand::Expr), rest),
        Err(_) => {
            let (raw, rest) = split_at_separator(tokens);
            let operand = (!raw.is_empty()).then_some(YieldOperand::Raw(raw));
            (operand, rest)
        }
    }
}

/// Splits `tokens` before the first top-level `,`, `;` or `=>`.
fn split_at_separator(tokens: TokenStream) -> (TokenStream, TokenStream) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let end = (0..tokens.len())
        .find(|&i| match &tokens[i] {
            TokenTree::Punct(p) => match p.as_char() {
                ',' | ';' => true,
                '=' => matches!(tokens.get(i + 1), Some(TokenTree::Punct(q)) if q.as_char() == '>'),
                _ => false,
            },
            _ => false,
        })
        .unwrap_or(tokens.len());
    (
        tokens[..end].iter().cloned().collect(),
        tokens[end..].iter().cloned().collect(),
    )
}

impl VisitMut for Rewriter {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Yield(ExprYield {
                yield_token,
                expr: value,
                ..
            }) => {
                let span = yield_token.span;
                let value = value.take().map(|mut value| {
                    self.visit_expr_mut(&mut value);
                    value.into_token_stream()
                });
                *expr = self.lower_yield(span, value);
            }
            Expr::Closure(closure) => {
                self.in_scope(Scope::Closure, |this| this.visit_expr_closure_mut(closure));
            }
            Expr::Async(block) => {
                self.in_scope(Scope::AsyncBlock, |this| this.visit_expr_async_mut(block));
            }
            Expr::Const(block) => {
                self.in_scope(Scope::Item, |this| this.visit_expr_const_mut(block));
            }
            Expr::Try(try_expr) => {
                if self.flavor == Flavor::Plain && self.scope == Scope::Body {
                    self.push_error(syn::Error::new(
                        try_expr.question_token.span,
                        "the `?` operator cannot be used in `async_gen!`, whose items are not \
                         `Result`s: use `try_async_gen!` instead, where `expr?` yields the \
                         error as the last item and ends the stream",
                    ));
                }
                self.visit_expr_try_mut(try_expr);
            }
            Expr::Return(ret) if ret.expr.is_none() => {
                if let Some(lowered) = self.lower_bare_return(ret.return_token.span) {
                    *expr = Expr::Verbatim(lowered);
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, item: &mut Item) {
        match item {
            // A `macro_rules!` defined in the body expands in the body.
            Item::Macro(_) => visit_mut::visit_item_mut(self, item),
            _ => self.in_scope(Scope::Item, |this| visit_mut::visit_item_mut(this, item)),
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        if is_generator_macro_path(&mac.path) {
            return;
        }
        mac.tokens = self.rewrite_tokens(core::mem::take(&mut mac.tokens));
    }
}
