//! HTTP/1.1 message heads: read one from a stream (bounded), parse it with `httparse`, and
//! forward a body framed by `content-length` or `chunked` without buffering it.

use std::io::{self, BufRead, Read, Write};

/// Largest head accepted; a bigger one is refused (431).
pub const HEAD_CAP: usize = 64 * 1024;
const MAX_HEADERS: usize = 128;

/// A parsed request head.
#[derive(Debug)]
pub struct RequestHead {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, Vec<u8>)>,
    /// Size of the head on the wire.
    pub len: usize,
}

/// A parsed response head.
#[derive(Debug)]
pub struct ResponseHead {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl ResponseHead {
    /// The status line and headers to send on to the client: the connection headers, cookies
    /// and every header named in `dropped` left out, then `connection: close` (one request per
    /// connection).
    pub fn relayed(&self, dropped: &[&str]) -> String {
        let mut reply = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason);
        for (name, value) in &self.headers {
            if matches!(name.as_str(), "connection" | "keep-alive" | "set-cookie")
                || dropped.contains(&name.as_str())
            {
                continue;
            }
            reply.push_str(name);
            reply.push_str(": ");
            reply.push_str(&String::from_utf8_lossy(value));
            reply.push_str("\r\n");
        }
        reply.push_str("connection: close\r\n\r\n");
        reply
    }
}

/// Why a head could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    #[error("the connection closed before a complete head")]
    Closed,
    #[error("the head is larger than {HEAD_CAP} bytes")]
    TooLarge,
    #[error("malformed HTTP head: {0}")]
    Malformed(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Reads up to the blank line ending a head; the reader keeps whatever follows it.
fn read_raw(reader: &mut impl BufRead) -> Result<Vec<u8>, HeadError> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = reader
            .by_ref()
            .take(HEAD_CAP as u64 + 1)
            .read_until(b'\n', &mut head)?;
        if read == 0 {
            return Err(HeadError::Closed);
        }
        if head.len() > HEAD_CAP {
            return Err(HeadError::TooLarge);
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            // A blank line before the start line (allowed by RFC 9112) is skipped.
            if before == 0 {
                head.clear();
                continue;
            }
            return Ok(head);
        }
    }
}

fn owned_headers(headers: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|header| (header.name.to_ascii_lowercase(), header.value.to_vec()))
        .collect()
}

pub fn read_request(reader: &mut impl BufRead) -> Result<RequestHead, HeadError> {
    let raw = read_raw(reader)?;
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(&raw) {
        Ok(httparse::Status::Complete(len)) => Ok(RequestHead {
            method: request.method.unwrap_or_default().to_owned(),
            target: request.path.unwrap_or_default().to_owned(),
            headers: owned_headers(request.headers),
            len,
        }),
        Ok(httparse::Status::Partial) => Err(HeadError::Malformed("incomplete".to_owned())),
        Err(err) => Err(HeadError::Malformed(err.to_string())),
    }
}

pub fn read_response(reader: &mut impl BufRead) -> Result<ResponseHead, HeadError> {
    let raw = read_raw(reader)?;
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&raw) {
        Ok(httparse::Status::Complete(_)) => Ok(ResponseHead {
            status: response.code.unwrap_or_default(),
            reason: response.reason.unwrap_or_default().to_owned(),
            headers: owned_headers(response.headers),
        }),
        Ok(httparse::Status::Partial) => Err(HeadError::Malformed("incomplete".to_owned())),
        Err(err) => Err(HeadError::Malformed(err.to_string())),
    }
}

/// The value of the first header `name` (lower case), as text.
pub fn header<'a>(headers: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .and_then(|(_, value)| std::str::from_utf8(value).ok())
        .map(str::trim)
}

/// How a request body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// Why a request's body framing is refused; the client gets a 400 with this reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("content-length is not a number")]
    BadLength,
    /// Two lengths, a length and an encoding, or an encoding other than `chunked`.
    #[error("ambiguous or unsupported body framing")]
    Ambiguous,
}

/// The framing the headers declare; conflicting or unknown framings are refused (request
/// smuggling lives in the gap between two parsers' opinions).
pub fn request_framing(headers: &[(String, Vec<u8>)]) -> Result<Framing, FramingError> {
    let lengths: Vec<_> = headers
        .iter()
        .filter(|(key, _)| key == "content-length")
        .collect();
    let encodings: Vec<_> = headers
        .iter()
        .filter(|(key, _)| key == "transfer-encoding")
        .collect();
    match (lengths.as_slice(), encodings.as_slice()) {
        ([], []) => Ok(Framing::None),
        ([_], []) => header(headers, "content-length")
            .and_then(|value| value.parse().ok())
            .map(Framing::Length)
            .ok_or(FramingError::BadLength),
        ([], [_])
            if header(headers, "transfer-encoding")
                .is_some_and(|value| value.eq_ignore_ascii_case("chunked")) =>
        {
            Ok(Framing::Chunked)
        }
        _ => Err(FramingError::Ambiguous),
    }
}

/// Copies a body framed by `framing` from `from` to `to` as it arrives; returns the bytes
/// copied. A chunked body is passed on as chunks, its end found by parsing the chunk sizes.
pub fn forward_body(
    framing: Framing,
    from: &mut impl BufRead,
    to: &mut impl Write,
) -> io::Result<u64> {
    match framing {
        Framing::None => Ok(0),
        Framing::Length(length) => {
            let copied = io::copy(&mut from.by_ref().take(length), to)?;
            if copied < length {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the body ended early",
                ));
            }
            Ok(copied)
        }
        Framing::Chunked => forward_chunked(from, to),
    }
}

fn forward_chunked(from: &mut impl BufRead, to: &mut impl Write) -> io::Result<u64> {
    let mut total = 0;
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    loop {
        let mut line = Vec::new();
        from.by_ref().take(1024).read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(invalid("a chunk-size line is missing or too long"));
        }
        to.write_all(&line)?;
        total += line.len() as u64;
        let text = std::str::from_utf8(&line).map_err(|_| invalid("chunk size is not text"))?;
        let size_text = text.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size_text, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers, then the blank line.
            loop {
                let mut trailer = Vec::new();
                from.by_ref().take(8192).read_until(b'\n', &mut trailer)?;
                if !trailer.ends_with(b"\n") {
                    return Err(invalid("the chunked body's end is missing"));
                }
                to.write_all(&trailer)?;
                total += trailer.len() as u64;
                if trailer == b"\r\n" || trailer == b"\n" {
                    return Ok(total);
                }
            }
        }
        // The chunk and its CRLF.
        let wanted = size + 2;
        let copied = io::copy(&mut from.by_ref().take(wanted), to)?;
        total += copied;
        if copied < wanted {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a chunk ended early",
            ));
        }
    }
}

/// Copies everything from `from` to `to` until `from` ends, writing each read at once (a
/// streamed reply reaches the client as the upstream sends it); returns the bytes copied.
pub fn stream(from: &mut impl Read, to: &mut impl Write) -> io::Result<u64> {
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut total = 0;
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            // A TLS peer that closes without close_notify has still sent everything.
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(total),
            Err(err) => return Err(err),
        };
        to.write_all(&buffer[..read])?;
        to.flush()?;
        total += read as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunked_body_is_forwarded_to_its_end_and_no_further() {
        let wire = b"5;ext=1\r\nhello\r\n0\r\nx-trailer: 1\r\n\r\nNEXT REQUEST";
        let mut reader = io::BufReader::new(&wire[..]);
        let mut out = Vec::new();
        let copied = forward_body(Framing::Chunked, &mut reader, &mut out).unwrap();
        assert_eq!(out, &wire[..wire.len() - "NEXT REQUEST".len()]);
        assert_eq!(copied, out.len() as u64);
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "NEXT REQUEST");
    }

    #[test]
    fn ambiguous_framing_is_refused() {
        let both = vec![
            ("content-length".to_owned(), b"5".to_vec()),
            ("transfer-encoding".to_owned(), b"chunked".to_vec()),
        ];
        assert_eq!(request_framing(&both), Err(FramingError::Ambiguous));
        let two = vec![
            ("content-length".to_owned(), b"5".to_vec()),
            ("content-length".to_owned(), b"6".to_vec()),
        ];
        assert_eq!(request_framing(&two), Err(FramingError::Ambiguous));
        let gzip = vec![("transfer-encoding".to_owned(), b"gzip, chunked".to_vec())];
        assert_eq!(request_framing(&gzip), Err(FramingError::Ambiguous));
        let words = vec![("content-length".to_owned(), b"five".to_vec())];
        assert_eq!(request_framing(&words), Err(FramingError::BadLength));
    }

    #[test]
    fn a_short_body_is_an_error() {
        let mut reader = io::BufReader::new(&b"abc"[..]);
        let mut out = Vec::new();
        assert!(forward_body(Framing::Length(5), &mut reader, &mut out).is_err());
    }
}
