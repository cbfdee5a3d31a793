//! What every request handler shares: the application (where projects come from, what
//! actions may do, the tokens) and the response body type.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full, combinators::BoxBody};
use hyper::body::Bytes;

use crate::auth::Tokens;
use crate::source::{Actions, ProjectSource};

/// A response body: a whole buffer or a live stream.
pub type Body = BoxBody<Bytes, Infallible>;

/// A response body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// Everything a request handler reads.
pub struct App {
    pub source: Box<dyn ProjectSource>,
    pub actions: Box<dyn Actions>,
    pub tokens: Tokens,
    pub actions_enabled: bool,
    pub poll: Duration,
}
