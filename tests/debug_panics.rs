//! The unhandled-panic policies: ignore (default), shut the runtime down, or a handler.

mod support;

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::Duration;

use evloop::Runtime;
use evloop::debug::UnhandledPanic;

#[test]
fn ignore_is_the_default_and_the_loop_goes_on() {
    let rt = Runtime::new().unwrap();
    let out = rt.block_on(async {
        drop(evloop::spawn(async { panic!("nobody cares") }));
        evloop::sleep(Duration::from_millis(2)).await;
        "still running"
    });
    assert_eq!(out, "still running");
}

#[test]
fn shutdown_runtime_reraises_the_payload_from_block_on() {
    let rt = Runtime::builder()
        .unhandled_panic(UnhandledPanic::ShutdownRuntime)
        .build()
        .unwrap();
    let reached_end = Rc::new(RefCell::new(false));
    let flag = reached_end.clone();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async move {
            drop(evloop::spawn(async { panic!("fatal in task") }));
            evloop::sleep(Duration::from_secs(3600)).await;
            *flag.borrow_mut() = true;
        })
    }))
    .unwrap_err();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "fatal in task");
    assert!(!*reached_end.borrow(), "the loop must stop at the panic");
    // The runtime is still usable afterwards.
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn shutdown_runtime_ignores_observed_panics() {
    let rt = Runtime::builder()
        .unhandled_panic(UnhandledPanic::ShutdownRuntime)
        .build()
        .unwrap();
    let caught = rt.block_on(async {
        let handle = evloop::spawn(async { panic!("observed") });
        handle.await.unwrap_err().is_panic()
    });
    assert!(caught);
}

#[test]
fn a_handler_sees_each_unobserved_panic_once() {
    /// (task name, panic message) of each report.
    type Seen = Rc<RefCell<Vec<(Option<String>, String)>>>;
    let seen: Seen = Rc::default();
    let sink = seen.clone();
    let rt = Runtime::builder()
        .on_unhandled_panic(move |info| {
            let message = info.message().unwrap_or("?").to_owned();
            sink.borrow_mut().push((info.task.name.clone(), message));
        })
        .build()
        .unwrap();
    rt.block_on(async {
        drop(evloop::spawn_named("a", async { panic!("one") }));
        let b = evloop::spawn_named("b", async { panic!("{}", 2) });
        evloop::yield_now().await;
        drop(b);
        let c = evloop::spawn_named("c", async { panic!("observed") });
        let _ = c.await;
    });
    assert_eq!(
        *seen.borrow(),
        [
            (Some("a".to_owned()), "one".to_owned()),
            (Some("b".to_owned()), "2".to_owned())
        ]
    );
}

#[test]
fn a_handler_can_inspect_the_runtime() {
    let tables: Rc<RefCell<Vec<String>>> = Rc::default();
    let sink = tables.clone();
    let rt = Runtime::builder()
        .on_unhandled_panic(move |_| sink.borrow_mut().push(evloop::debug::dump()))
        .build()
        .unwrap();
    rt.block_on(async {
        evloop::spawn_named("bystander", std::future::pending::<()>());
        drop(evloop::spawn(async { panic!("x") }));
        evloop::yield_now().await;
    });
    assert!(tables.borrow()[0].contains("bystander"));
}
