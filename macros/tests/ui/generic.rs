#[evloop::test]
async fn a_test<T: Default>() {
    let _ = T::default();
}

fn main() {}
