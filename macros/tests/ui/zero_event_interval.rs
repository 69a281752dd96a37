#[evloop::test(event_interval = 0)]
async fn a_test() {}

fn main() {}
