//! Rewrites a generator body: `yield` becomes an awaited call on the generator's
//! hygienic yielder, misplaced `yield`s (and `?` in `async_gen!`) become errors, and in
//! `try_async_gen!` a bare `return;` becomes `return Ok(())`.
//!
//! The syntax tree is walked with `syn`'s `VisitMut`; the token trees of macro calls
//! (`tokio::select!`, `vec!`, `println!`, ...) are walked token by token, parsing one
//! expression after each `yield`.

use proc_macro2::{Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprYield, Item, Macro, Token};

use crate::crate_path::private_alias;
use crate::for_await::{
    FOR_AWAIT_BODY_MARKER, loop_body_stream, take_loop_body_marker, yield_in_loops_call,
};
use crate::nested::{is_generator_macro_name, is_generator_macro_path};
use crate::try_finally::TRY_PART_MARKER;

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

/// `yield VALUE` lowered: an awaited yield on the body's yielder, located at the `yield`.
///
/// The value goes through a struct field (`YieldValue { value }`) rather than straight
/// into `Yielder::yield_`, so that a value of the wrong type is reported as a plain
/// mismatch at the value ("expected `u32`, found `&str`"), without a note pointing into
/// the library's definition of `yield_`. The wrapper is `#[inline(always)]` and only
/// moves the value: the code generated is that of the direct call.
pub(crate) fn yield_call(yield_span: Span, value: &TokenStream) -> TokenStream {
    let yielder = yielder_ident(yield_span);
    let private = private_alias(yield_span);
    quote_spanned! {yield_span=>
        #private::yield_value(&mut #yielder, #private::YieldValue { value: #value }).await
    }
}

/// The name of the yielder, made at `at` with mixed-site hygiene: user code cannot name
/// it, while errors about it point at the user's token.
///
/// The one hidden name without the `__asyncgen_` prefix: rustc names the yielder when a
/// body yields a borrow of its own local ("lifetime `'1` appears in the type of
/// `yield`"), and `yield` says what the user wrote. As a raw identifier made at the
/// mixed site, user code cannot name it (`r#yield` in the body is another variable).
pub(crate) fn yielder_ident(at: Span) -> Ident {
    Ident::new_raw("yield", Span::mixed_site().located_at(at))
}

pub(crate) struct Rewriter {
    flavor: Flavor,
    scope: Scope,
    errors: Option<syn::Error>,
    /// How many `yield`s of the body itself were lowered.
    yields: usize,
    /// How the `yield` about to be visited is used.
    yield_use: YieldUse,
    /// Some `yield` of the body gives its value (what the consumer sent) to its context.
    uses_values: bool,
    /// The pinned streams of the `for await` loops around the code being rewritten,
    /// outermost first.
    loops: Vec<Ident>,
}

impl Rewriter {
    pub(crate) fn new(flavor: Flavor) -> Self {
        Rewriter {
            flavor,
            scope: Scope::Body,
            errors: None,
            yields: 0,
            yield_use: YieldUse::Value,
            uses_values: false,
            loops: Vec::new(),
        }
    }

    /// Whether some `yield` of the body is used as a value, so the generator takes values
    /// sent in: `let x = yield v;`, `if let Some(x) = yield v`, ...
    pub(crate) fn uses_yield_values(&self) -> bool {
        self.uses_values
    }

    /// Whether the body yields anywhere (nested generators aside).
    pub(crate) fn yields(&self) -> bool {
        self.yields > 0
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

    /// Runs `f` inside the body of the `for await` loop whose pinned stream is `stream`.
    fn in_loop<R>(&mut self, stream: Ident, f: impl FnOnce(&mut Self) -> R) -> R {
        self.loops.push(stream);
        let result = f(self);
        self.loops.pop();
        result
    }

    fn in_scope<R>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> R) -> R {
        let outer = core::mem::replace(&mut self.scope, scope);
        let result = f(self);
        self.scope = outer;
        result
    }

    /// `yield VALUE` (value already rewritten) as an expression.
    fn lower_yield(
        &mut self,
        yield_span: Span,
        value: Option<TokenStream>,
        used: YieldUse,
    ) -> Expr {
        let value = value.unwrap_or_else(|| quote_spanned!(yield_span=> ()));
        if let Some(message) = self.misplaced_yield_message() {
            self.push_error(syn::Error::new(yield_span, message));
            // Keeps the value type-checked without cascading errors.
            return Expr::Verbatim(quote_spanned!(yield_span=> { let _ = #value; }));
        }
        self.yields += 1;
        let call = if self.loops.is_empty() {
            yield_call(yield_span, &value)
        } else {
            yield_in_loops_call(yield_span, &value, &self.loops)
        };
        Expr::Verbatim(match used {
            YieldUse::Value => {
                self.uses_values = true;
                call
            }
            YieldUse::Statement => call,
            YieldUse::Unit => quote_spanned!(yield_span=> { #call; }),
        })
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

    /// Rewrites the token tree of a macro call made inside the body, reading it with a
    /// cursor: at each token, one `take_*` step may consume a construct (a nested
    /// generator call, a `yield` and its operand, a `return`, a closure or `async`
    /// block, a `fn`); otherwise the token is copied, a group's contents rewritten.
    pub(crate) fn rewrite_tokens(&mut self, input: TokenStream) -> TokenStream {
        (|input: ParseStream<'_>| Ok(self.rewrite_stream(input)))
            .parse2(input)
            .expect("the rewrite consumes every token")
    }

    fn rewrite_stream(&mut self, input: ParseStream<'_>) -> TokenStream {
        let mut out = TokenStream::new();
        // Whether an expression may start at the cursor (so `|` opens a closure).
        let mut at_expression_start = true;
        // Whether the last token copied was a `:` joined to the next one (`::`).
        let mut after_joint_colon = false;
        while !input.is_empty() {
            let taken = if let Some(call) = take_generator_call(input) {
                Some((call, false))
            } else if let Some(lowered) = self.take_yield(input) {
                Some((lowered, false))
            } else if let Some(lowered) = self.take_return(input) {
                Some((lowered, true))
            } else if opens_block_or_closure(input, at_expression_start) {
                self.take_closure(input).map(|expr| (expr, false))
            } else if input.peek(Token![fn]) {
                self.take_fn(input).map(|item| (item, true))
            } else {
                None
            };
            if let Some((tokens, expression_may_follow)) = taken {
                out.extend(tokens);
                at_expression_start = expression_may_follow;
                after_joint_colon = false;
                continue;
            }
            let token: TokenTree = input.parse().expect("the input is not empty");
            at_expression_start = match &token {
                // A lone `:` ends a field name or a type ascription; `::` is a path.
                TokenTree::Punct(p) if p.as_char() == ':' => {
                    p.spacing() == Spacing::Alone && !after_joint_colon
                }
                TokenTree::Punct(p) => matches!(p.as_char(), ',' | ';' | '=' | '>'),
                _ => false,
            };
            after_joint_colon = matches!(&token, TokenTree::Punct(p)
                if p.as_char() == ':' && p.spacing() == Spacing::Joint);
            out.extend([match token {
                TokenTree::Group(group) => {
                    let stream = match take_loop_body_marker(group.stream()) {
                        Ok((pinned, rest)) => {
                            self.in_loop(pinned, |this| this.rewrite_tokens(rest))
                        }
                        Err(stream) => self.rewrite_tokens(stream),
                    };
                    let mut new = Group::new(group.delimiter(), stream);
                    new.set_span(group.span());
                    TokenTree::Group(new)
                }
                other => other,
            }]);
        }
        out
    }

    /// `yield` and its operand (none before `,`, `;`, `=>` or the end).
    fn take_yield(&mut self, input: ParseStream<'_>) -> Option<TokenStream> {
        let span = peek_ident(input, "yield")?;
        input.parse::<TokenTree>().ok()?;
        let value = take_yield_operand(input).map(|operand| match operand {
            YieldOperand::Expr(mut expr) => {
                self.visit_expr_mut(&mut expr);
                expr.into_token_stream()
            }
            YieldOperand::Raw(raw) => {
                let raw = self.rewrite_tokens(raw);
                quote!((#raw))
            }
        });
        // Inside a macro call (`select!`, `join!`, ...) a yield's value is taken as unused.
        Some(
            self.lower_yield(span, value, YieldUse::Unit)
                .into_token_stream(),
        )
    }

    /// `return`, lowered when it is bare (followed by `,`, `;` or the end).
    fn take_return(&mut self, input: ParseStream<'_>) -> Option<TokenStream> {
        let span = peek_ident(input, "return")?;
        let token: TokenTree = input.parse().ok()?;
        let bare = input.is_empty() || input.peek(Token![,]) || input.peek(Token![;]);
        Some(
            self.lower_bare_return(span)
                .filter(|_| bare)
                .unwrap_or_else(|| token.into_token_stream()),
        )
    }

    /// A closure or an `async` block, rewritten as the tree walk would; `None` (nothing
    /// consumed) if no expression parses here.
    fn take_closure(&mut self, input: ParseStream<'_>) -> Option<TokenStream> {
        let fork = input.fork();
        let mut expr: Expr = fork.parse().ok()?;
        input.advance_to(&fork);
        self.visit_expr_mut(&mut expr);
        Some(expr.into_token_stream())
    }

    /// A nested `fn` item, rewritten as the tree walk would; `None` (nothing consumed)
    /// if no function parses here.
    fn take_fn(&mut self, input: ParseStream<'_>) -> Option<TokenStream> {
        let fork = input.fork();
        let mut item = Item::Fn(fork.parse::<syn::ItemFn>().ok()?);
        input.advance_to(&fork);
        self.visit_item_mut(&mut item);
        Some(item.into_token_stream())
    }
}

/// The span of the next token if it is the identifier `name`.
fn peek_ident(input: ParseStream<'_>, name: &str) -> Option<Span> {
    input
        .cursor()
        .ident()
        .filter(|(ident, _)| ident == name)
        .map(|(ident, _)| ident.span())
}

/// A nested generator macro call (`NAME ! GROUP`), copied as it is: its `yield`s are
/// its own. A path prefix (`asyncgen::`) is copied like any other tokens before it.
fn take_generator_call(input: ParseStream<'_>) -> Option<TokenStream> {
    let cursor = input.cursor();
    let (name, after_name) = cursor.ident()?;
    let (bang, after_bang) = after_name.punct()?;
    after_bang.any_group()?;
    if bang.as_char() != '!' || !is_generator_macro_name(&name.to_string()) {
        return None;
    }
    let call: [TokenTree; 3] = [
        input.parse().ok()?,
        input.parse().ok()?,
        input.parse().ok()?,
    ];
    Some(call.into_iter().collect())
}

/// Whether the next token opens an async block or a closure: `async`, `move`, or a `|`
/// where an expression may start.
fn opens_block_or_closure(input: ParseStream<'_>, at_expression_start: bool) -> bool {
    let cursor = input.cursor();
    if let Some((ident, _)) = cursor.ident() {
        return ident == "async" || ident == "move";
    }
    cursor
        .punct()
        .is_some_and(|(p, _)| p.as_char() == '|' && at_expression_start)
}

enum YieldOperand {
    Expr(Expr),
    /// Tokens that are not (yet) an expression, such as `$value` in a `macro_rules!`
    /// body: they are yielded as written, up to the next `,`, `;` or `=>`.
    Raw(TokenStream),
}

/// The operand of a `yield` inside a macro's tokens (none for a bare `yield`), consumed.
fn take_yield_operand(input: ParseStream<'_>) -> Option<YieldOperand> {
    let ends_here = |input: ParseStream<'_>| {
        input.is_empty() || input.peek(Token![,]) || input.peek(Token![;]) || input.peek(Token![=>])
    };
    if ends_here(input) {
        return None;
    }
    let fork = input.fork();
    if let Ok(expr) = fork.parse::<Expr>() {
        input.advance_to(&fork);
        return Some(YieldOperand::Expr(expr));
    }
    let mut raw = TokenStream::new();
    while !ends_here(input) {
        raw.extend([input.parse::<TokenTree>().expect("the input is not empty")]);
    }
    Some(YieldOperand::Raw(raw))
}

/// How the value of a `yield` (`Option<R>`, what the consumer sent) is used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum YieldUse {
    /// In an expression: the generator takes values sent in, of a type inferred from here.
    Value,
    /// A statement: dropped.
    Statement,
    /// A match arm, or inside another macro's arguments (`select!`, `vec!`): the yield is
    /// `()` there, so that it fits beside arms of type `()`; a sent value is dropped.
    Unit,
}

/// Removes the attribute `try … finally` puts on its `try` part; whether it was there.
fn take_try_part_marker(attrs: &mut Vec<syn::Attribute>) -> bool {
    let before = attrs.len();
    attrs.retain(|attr| !attr.path().is_ident(TRY_PART_MARKER));
    attrs.len() != before
}

impl VisitMut for Rewriter {
    fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
        if let syn::Stmt::Expr(Expr::Yield(_), _) = stmt {
            self.yield_use = YieldUse::Statement;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        for attr in &mut arm.attrs {
            self.visit_attribute_mut(attr);
        }
        self.visit_pat_mut(&mut arm.pat);
        if let Some((_, guard)) = &mut arm.guard {
            self.visit_expr_mut(guard);
        }
        if let Expr::Yield(_) = *arm.body {
            self.yield_use = YieldUse::Unit;
        }
        self.visit_expr_mut(&mut arm.body);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Yield(ExprYield {
                yield_token,
                expr: value,
                ..
            }) => {
                let used = core::mem::replace(&mut self.yield_use, YieldUse::Value);
                let span = yield_token.span;
                let value = value.take().map(|mut value| {
                    self.visit_expr_mut(&mut value);
                    value.into_token_stream()
                });
                *expr = self.lower_yield(span, value, used);
            }
            // `(yield v)`, as a scrutinee must be written (`yield v {` would read as a
            // struct literal): the lowered yield needs no parentheses, and rustc would
            // call them unnecessary.
            Expr::Paren(paren) if matches!(*paren.expr, Expr::Yield(_)) => {
                let mut inner = (*paren.expr).clone();
                self.visit_expr_mut(&mut inner);
                *expr = inner;
            }
            Expr::While(while_loop) => {
                let marker = while_loop
                    .attrs
                    .iter()
                    .position(|attr| attr.path().is_ident(FOR_AWAIT_BODY_MARKER));
                match marker.map(|i| while_loop.attrs.remove(i)) {
                    Some(attr) => {
                        let stream = loop_body_stream(&attr.meta)
                            .expect("the `for await` lowering names the pinned stream");
                        for attr in &mut while_loop.attrs {
                            self.visit_attribute_mut(attr);
                        }
                        self.visit_expr_mut(&mut while_loop.cond);
                        let body = &mut while_loop.body;
                        self.in_loop(stream, |this| this.visit_block_mut(body));
                    }
                    None => visit_mut::visit_expr_while_mut(self, while_loop),
                }
            }
            Expr::Closure(closure) => {
                self.in_scope(Scope::Closure, |this| this.visit_expr_closure_mut(closure));
            }
            // The `try` part of a `try … finally`: the body's own code.
            Expr::Async(block) => {
                if take_try_part_marker(&mut block.attrs) {
                    // The `try` part of a `try … finally`: the body's own code.
                    self.visit_expr_async_mut(block);
                } else {
                    self.in_scope(Scope::AsyncBlock, |this| this.visit_expr_async_mut(block));
                }
            }
            Expr::Const(block) => {
                self.in_scope(Scope::Item, |this| this.visit_expr_const_mut(block));
            }
            Expr::Try(try_expr) => {
                self.visit_expr_try_mut(try_expr);
                if self.flavor == Flavor::Plain && self.scope == Scope::Body {
                    let span = try_expr.question_token.span;
                    self.push_error(syn::Error::new(
                        span,
                        "the `?` operator cannot be used in `async_gen!`, whose items are not \
                         `Result`s: use `try_async_gen!` instead, where `expr?` yields the \
                         error as the last item and ends the stream",
                    ));
                    // Without the `?`, so that rustc does not report it a second time;
                    // the operand is still type-checked, its `Ok` type inferred as `?`
                    // would infer it.
                    let private = private_alias(span);
                    let operand = &try_expr.expr;
                    *expr = Expr::Verbatim(quote_spanned! {span=>
                        #private::question_mark_in_async_gen(#operand)
                    });
                }
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
