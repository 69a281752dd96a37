#[evloop::test]
async fn a_test(n: u32) {
    let _ = n;
}

fn main() {}
