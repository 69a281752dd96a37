#[evloop::main(seeds = 10)]
async fn main() {}
