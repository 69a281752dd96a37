#[evloop::main(debug = "yes")]
async fn main() {}
