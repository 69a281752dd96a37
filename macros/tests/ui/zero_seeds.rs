#[evloop::test(seeds = 0)]
async fn runs_nothing() {}

fn main() {}
