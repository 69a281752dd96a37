//! `#[evloop::main]` and `#[evloop::test]`: run an `async fn` on a fresh evloop runtime.
//!
//! Use them through evloop with its feature `macros` (`evloop = { ..., features =
//! ["macros"] }`), not from this crate directly. See `evloop::main` and `evloop::test` for
//! the documentation and examples.
//!
//! # Design
//!
//! Each attribute rewrites `async fn name() -> T { body }` into `fn name() -> T`, whose body
//! builds a runtime with `evloop::runtime::Builder` (plus the options given) and runs the
//! original body with `block_on`. The options are parsed here, so an unknown option, a
//! function that is not `async`, or one with arguments or generics is a compile error
//! pointing at the offending tokens, with a sentence saying what to write instead.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, Lit, Meta, Token};

/// Runs `async fn main` on an evloop runtime: `#[evloop::main]`, or
/// `#[evloop::main(debug = true)]`. Documented on `evloop::main`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_or_error(args.into(), item.into(), Kind::Main).into()
}

/// Runs an `async fn` test on a fresh evloop runtime: `#[evloop::test]`, or
/// `#[evloop::test(debug = true)]`. Documented on `evloop::test`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_or_error(args.into(), item.into(), Kind::Test).into()
}

/// The expansion, or the error; for a `main` that failed, also an empty `fn main`, so that
/// the error is the only one ("`main` function not found" would follow it otherwise).
fn expand_or_error(args: TokenStream2, item: TokenStream2, kind: Kind) -> TokenStream2 {
    let is_main = kind == Kind::Main
        && syn::parse2::<ItemFn>(item.clone()).is_ok_and(|function| function.sig.ident == "main");
    match expand(args, item, kind) {
        Ok(expanded) => expanded,
        Err(err) => {
            let error = err.to_compile_error();
            if is_main {
                quote!(#error fn main() {})
            } else {
                error
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn attribute(self) -> &'static str {
        match self {
            Kind::Main => "#[evloop::main]",
            Kind::Test => "#[evloop::test]",
        }
    }
}

/// The options an attribute accepts, as builder calls.
fn options(args: TokenStream2, kind: Kind) -> syn::Result<Vec<TokenStream2>> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut calls = Vec::new();
    for meta in metas {
        let Meta::NameValue(pair) = &meta else {
            return Err(syn::Error::new(
                meta.span(),
                format!(
                    "{}: options are written `name = value`, e.g. `debug = true`",
                    kind.attribute()
                ),
            ));
        };
        let name = pair
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let value = &pair.value;
        let literal = match value {
            Expr::Lit(lit) => Some(&lit.lit),
            _ => None,
        };
        let call = match (name.as_str(), literal) {
            ("debug", Some(Lit::Bool(on))) => quote_spanned!(pair.span()=> .debug(#on)),
            ("event_interval", Some(Lit::Int(n))) => {
                if n.base10_parse::<u32>().map_or(true, |n| n == 0) {
                    return Err(syn::Error::new(
                        n.span(),
                        "`event_interval` takes a number from 1 to 4294967295",
                    ));
                }
                quote_spanned!(pair.span()=> .event_interval(#n))
            }
            ("debug", _) => {
                return Err(syn::Error::new(
                    value.span(),
                    "`debug` takes `true` or `false`",
                ));
            }
            ("event_interval", _) => {
                return Err(syn::Error::new(
                    value.span(),
                    "`event_interval` takes a number",
                ));
            }
            _ => {
                return Err(syn::Error::new(
                    pair.path.span(),
                    format!(
                        "{}: unknown option `{name}`; the options are `debug = true|false` and \
                         `event_interval = N`",
                        kind.attribute()
                    ),
                ));
            }
        };
        calls.push(call);
    }
    Ok(calls)
}

fn expand(args: TokenStream2, item: TokenStream2, kind: Kind) -> syn::Result<TokenStream2> {
    let function: ItemFn = syn::parse2(item)?;
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        return Err(syn::Error::new(
            signature.fn_token.span(),
            format!(
                "{} goes on an `async fn`: write `async fn {}(...)`",
                kind.attribute(),
                signature.ident
            ),
        ));
    }
    if !signature.inputs.is_empty() {
        let what = match kind {
            Kind::Main => {
                "the main function cannot take arguments; read them with `std::env::args()`"
            }
            Kind::Test => "a test function cannot take arguments",
        };
        return Err(syn::Error::new(signature.inputs.span(), what));
    }
    if !signature.generics.params.is_empty() || signature.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            signature.generics.span(),
            format!("{} does not take generic functions", kind.attribute()),
        ));
    }
    let calls = options(args, kind)?;
    let attrs = &function.attrs;
    let vis = &function.vis;
    let mut sync_signature = signature.clone();
    sync_signature.asyncness = None;
    let body = &function.block;
    // The body's output type, stated so that `?` in the body knows its error type.
    let output_type = match &signature.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => quote!(#ty),
    };
    let test_attr = match kind {
        Kind::Test => quote!(#[::core::prelude::v1::test]),
        Kind::Main => quote!(),
    };
    let expect = match kind {
        Kind::Main => "evloop::main: could not build the runtime",
        Kind::Test => "evloop::test: could not build the runtime",
    };
    let span = Span::call_site();
    Ok(quote_spanned! {span=>
        #test_attr
        #(#attrs)*
        #vis #sync_signature {
            let body = async move #body;
            let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output_type>> =
                ::core::pin::pin!(body);
            ::evloop::runtime::Builder::new()
                #(#calls)*
                .build()
                .expect(#expect)
                .block_on(body)
        }
    })
}
