//! Any other command: no usage, no session, no structured errors; exit code and the
//! configured patterns classify it.

use peers_process::Stream;

use super::{OutputParser, Parsed, RunEnd};
use crate::usage::Usage;

pub(crate) struct GenericParser;

impl OutputParser for GenericParser {
    fn line(&mut self, _stream: Stream, _line: &str) -> Option<Usage> {
        None
    }

    fn finish(&mut self, _end: &RunEnd<'_>) -> Parsed {
        Parsed::default()
    }
}
