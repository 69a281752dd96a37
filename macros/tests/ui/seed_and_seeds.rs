#[evloop::test(seed = 1, seeds = 10)]
async fn replays_and_explores() {}

fn main() {}
