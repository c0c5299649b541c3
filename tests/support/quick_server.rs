//! The in-process OpenAI-compatible servers of the tests and `examples/mock_openai`, bound so
//! that a reply goes out at once. tiny_http writes a reply's head and body separately; with
//! Nagle's algorithm on, the body waited for the client's delayed ACK, 40 ms a request, which
//! made a zero-latency server look like a slow one.

use std::net::TcpListener;

pub type ServerError = Box<dyn std::error::Error + Send + Sync>;

/// A tiny_http server on 127.0.0.1:`port` (0: any free port) with TCP_NODELAY set, which Linux
/// hands on from the listening socket to every accepted one.
pub fn quick_server(port: u16) -> Result<tiny_http::Server, ServerError> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    #[cfg(unix)]
    no_delay(&listener)?;
    tiny_http::Server::from_listener(listener, None)
}

#[cfg(unix)]
fn no_delay(listener: &TcpListener) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket, and a pointer to an int that outlives the call, with its size.
    let rc = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    match rc {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}
