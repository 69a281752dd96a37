//! The HTTP handler every benchmark server shares (evloop, tokio, smol, raw mio): parse the
//! complete requests at the front of a buffer with `httparse`, answer `GET /{name}` with
//! `Hello, {name}` (`Hello, Anonymous` on `/`), keep-alive. The same bytes in, the same
//! bytes out, so the servers differ only in the runtime under them.

/// Why a connection must be closed.
#[derive(Debug)]
pub struct Malformed;

/// Answers every complete request at the front of `input`, appending one response each to
/// `out`. Returns how many bytes of `input` were consumed (a partial request stays for the
/// next read), or `Malformed` when the connection must be closed.
pub fn respond(input: &[u8], out: &mut Vec<u8>) -> Result<usize, Malformed> {
    let mut consumed = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&input[consumed..]) {
            Ok(httparse::Status::Complete(len)) => {
                if request.method != Some("GET") {
                    return Err(Malformed);
                }
                let name = match request.path.unwrap_or("/").trim_start_matches('/') {
                    "" => "Anonymous",
                    name => name,
                };
                let body_len = "Hello, ".len() + name.len();
                out.extend_from_slice(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ",
                );
                out.extend_from_slice(body_len.to_string().as_bytes());
                out.extend_from_slice(b"\r\n\r\nHello, ");
                out.extend_from_slice(name.as_bytes());
                consumed += len;
            }
            Ok(httparse::Status::Partial) if input.len() - consumed > 16 * 1024 => {
                return Err(Malformed);
            }
            Ok(httparse::Status::Partial) => return Ok(consumed),
            Err(_) => return Err(Malformed),
        }
    }
}
