#[evloop::test(threads = 4)]
async fn a_test() {}

fn main() {}
