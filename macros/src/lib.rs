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
/// `#[evloop::test(start_paused, seeds = 100)]`. Documented on `evloop::test`.
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

/// What the options of an attribute ask for.
struct Options {
    /// Builder calls (`.debug(true)`, `.seed(7)`...).
    calls: Vec<TokenStream2>,
    /// `seeds = N` (tests only): run the body under seeds `0..N`.
    seeds: Option<syn::LitInt>,
}

/// The options, as `name = value` or a bare flag (`start_paused`).
const OPTIONS: &str = "`debug = true|false`, `event_interval = N`, `start_paused = true|false`, \
     `seed = N` and (tests) `seeds = N`";

/// Parses the options an attribute accepts.
fn options(args: TokenStream2, kind: Kind) -> syn::Result<Options> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut options = Options {
        calls: Vec::new(),
        seeds: None,
    };
    let mut seed_given = false;
    for meta in metas {
        if let Meta::Path(path) = &meta {
            if path.is_ident("start_paused") {
                options
                    .calls
                    .push(quote_spanned!(path.span()=> .start_paused(true)));
                continue;
            }
        }
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
        let wrong = |what: &str| Err(syn::Error::new(value.span(), what.to_owned()));
        let call = match (name.as_str(), literal) {
            ("debug", Some(Lit::Bool(on))) => quote_spanned!(pair.span()=> .debug(#on)),
            ("start_paused", Some(Lit::Bool(on))) => {
                quote_spanned!(pair.span()=> .start_paused(#on))
            }
            ("event_interval", Some(Lit::Int(n))) => {
                if n.base10_parse::<u32>().map_or(true, |n| n == 0) {
                    return Err(syn::Error::new(
                        n.span(),
                        "`event_interval` takes a number from 1 to 4294967295",
                    ));
                }
                quote_spanned!(pair.span()=> .event_interval(#n))
            }
            ("seed", Some(Lit::Int(n))) => {
                if n.base10_parse::<u64>().is_err() {
                    return wrong("`seed` takes a number (a u64)");
                }
                seed_given = true;
                quote_spanned!(pair.span()=> .seed(#n))
            }
            ("seeds", Some(Lit::Int(n))) if kind == Kind::Test => {
                if n.base10_parse::<u64>().map_or(true, |n| n == 0) {
                    return wrong("`seeds` takes how many seeds to run, at least 1");
                }
                options.seeds = Some(n.clone());
                continue;
            }
            ("seeds", _) if kind == Kind::Main => {
                return Err(syn::Error::new(
                    pair.path.span(),
                    "`seeds = N` is for tests; a program runs once: use `seed = N`",
                ));
            }
            ("debug" | "start_paused", _) => {
                return wrong(&format!("`{name}` takes `true` or `false`"));
            }
            ("event_interval" | "seed" | "seeds", _) => {
                return wrong(&format!("`{name}` takes a number"));
            }
            _ => {
                return Err(syn::Error::new(
                    pair.path.span(),
                    format!(
                        "{}: unknown option `{name}`; the options are {OPTIONS}",
                        kind.attribute()
                    ),
                ));
            }
        };
        options.calls.push(call);
    }
    if options.seeds.is_some() && seed_given {
        return Err(syn::Error::new(
            Span::call_site(),
            "`seed` and `seeds` together: `seed = N` replays one seed, `seeds = N` tries many",
        ));
    }
    Ok(options)
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
    let Options { calls, seeds } = options(args, kind)?;
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
    if let Some(seeds) = seeds {
        // A fresh runtime, and a fresh body, for each seed; an error fails the test by
        // panicking (with the seed), so the test itself returns `()`.
        sync_signature.output = syn::ReturnType::Default;
        return Ok(quote_spanned! {span=>
            #test_attr
            #(#attrs)*
            #vis #sync_signature {
                ::evloop::testing::run_with_seeds(
                    0..#seeds,
                    || ::evloop::runtime::Builder::new() #(#calls)*,
                    || async {
                        let output: #output_type = async #body.await;
                        ::evloop::testing::__test_outcome(output);
                    },
                )
            }
        });
    }
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
