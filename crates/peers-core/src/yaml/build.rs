//! Turns `saphyr-parser` events into a spanned [`Node`] tree: anchors and aliases, duplicate
//! keys, nesting and expansion limits, one document only.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScanError, StrInput, Tag};

use super::{Key, Node, ScalarStyle, Value, resolve_plain};
use crate::decode_error::DecodeError;
use crate::location::Span;

/// Nodes that aliases may add in total. Real configs use a handful; a billion-laughs document
/// would otherwise grow exponentially from a few lines.
pub const MAX_ALIAS_NODES: usize = 10_000;

/// Nesting depth allowed; deeper documents are rejected instead of exhausting the stack.
pub const MAX_DEPTH: usize = 64;

type Spanned<'i> = (Event<'i>, saphyr_parser::Span);

pub(super) struct Builder<'i> {
    parser: Parser<'i, StrInput<'i>>,
    file: &'i str,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
}

fn span_of(marker: &saphyr_parser::Marker) -> Span {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Span::new(clamp(marker.line()), clamp(marker.col()).saturating_add(1))
}

impl<'i> Builder<'i> {
    pub(super) fn new(source: &'i str, file: &'i str) -> Self {
        Self {
            parser: Parser::new_from_str(source),
            file,
            anchors: HashMap::new(),
            alias_nodes: 0,
        }
    }

    fn error(&self, span: Span, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.file, Some(span), None, message)
    }

    fn scan_error(&self, err: &ScanError) -> DecodeError {
        self.error(
            span_of(err.marker()),
            format!("invalid YAML: {}", err.info()),
        )
    }

    fn next(&mut self) -> Result<Spanned<'i>, DecodeError> {
        match self.parser.next_event() {
            Some(Ok(event)) => Ok(event),
            Some(Err(err)) => Err(self.scan_error(&err)),
            None => Err(DecodeError::new(
                self.file,
                None,
                None,
                "invalid YAML: unexpected end of input",
            )),
        }
    }

    pub(super) fn document(mut self) -> Result<Option<Node>, DecodeError> {
        let mut root = None;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(root),
                Event::DocumentStart(_) if root.is_some() => {
                    return Err(self
                        .error(
                            span_of(&span.start),
                            "more than one YAML document in this file",
                        )
                        .with_hint("remove the `---` line and keep a single document"));
                }
                Event::DocumentStart(_) => {
                    let (event, span) = self.next()?;
                    root = Some(self.node(event, span, 0)?);
                }
                other => {
                    return Err(self.error(
                        span_of(&span.start),
                        format!("invalid YAML: unexpected {other:?}"),
                    ));
                }
            }
        }
    }

    fn node(
        &mut self,
        event: Event<'i>,
        span: saphyr_parser::Span,
        depth: usize,
    ) -> Result<Node, DecodeError> {
        let at = span_of(&span.start);
        if depth > MAX_DEPTH {
            return Err(self.error(at, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                (self.scalar(&text, style, tag.as_deref(), at)?, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_collection_tag(tag.as_deref(), at)?;
                (self.sequence(at, depth)?, anchor)
            }
            Event::MappingStart(anchor, tag) => {
                self.check_collection_tag(tag.as_deref(), at)?;
                (self.mapping(at, depth)?, anchor)
            }
            Event::Alias(id) => (self.alias(id, at)?, 0),
            other => return Err(self.error(at, format!("invalid YAML: unexpected {other:?}"))),
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn scalar(
        &self,
        text: &str,
        style: saphyr_parser::ScalarStyle,
        tag: Option<&Tag>,
        at: Span,
    ) -> Result<Node, DecodeError> {
        let style = match style {
            saphyr_parser::ScalarStyle::Plain => ScalarStyle::Plain,
            saphyr_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
            saphyr_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
            saphyr_parser::ScalarStyle::Literal => ScalarStyle::Literal,
            saphyr_parser::ScalarStyle::Folded => ScalarStyle::Folded,
        };
        let forced_str = match tag {
            None => false,
            Some(tag) if tag.is_yaml_core_schema() && tag.suffix == "str" => true,
            Some(tag) if tag.is_yaml_core_schema() => false,
            Some(tag) => return Err(self.error(at, format!("YAML tag {tag} is not supported"))),
        };
        let value = if style == ScalarStyle::Plain && !forced_str {
            resolve_plain(text)
        } else {
            Value::Str {
                text: text.to_owned(),
                style,
            }
        };
        Ok(Node { span: at, value })
    }

    fn check_collection_tag(&self, tag: Option<&Tag>, at: Span) -> Result<(), DecodeError> {
        match tag {
            Some(tag) if !tag.is_yaml_core_schema() => {
                Err(self.error(at, format!("YAML tag {tag} is not supported")))
            }
            _ => Ok(()),
        }
    }

    fn alias(&mut self, id: usize, at: Span) -> Result<Node, DecodeError> {
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(self.error(
                at,
                "alias refers to an anchor that is not defined before it",
            ));
        };
        self.alias_nodes = self.alias_nodes.saturating_add(anchored.size());
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(self
                .error(
                    at,
                    format!("aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                )
                .with_hint("write the repeated values out instead of nesting aliases"));
        }
        Ok(Node {
            span: at,
            value: anchored.value.clone(),
        })
    }

    fn sequence(&mut self, at: Span, depth: usize) -> Result<Node, DecodeError> {
        let mut items = Vec::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::SequenceEnd) {
                return Ok(Node {
                    span: at,
                    value: Value::Sequence(items),
                });
            }
            items.push(self.node(event, span, depth + 1)?);
        }
    }

    fn mapping(&mut self, at: Span, depth: usize) -> Result<Node, DecodeError> {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        loop {
            let (event, span) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                return Ok(Node {
                    span: at,
                    value: Value::Mapping(entries),
                });
            }
            let key = self.key(event, span)?;
            if let Some(first) = seen.get(&key.text) {
                return Err(self.error(
                    key.span,
                    format!(
                        "duplicate key '{}': first on line {}, again on line {}",
                        key.text, first.line, key.span.line
                    ),
                ));
            }
            seen.insert(key.text.clone(), key.span);
            let (event, span) = self.next()?;
            let value = self.node(event, span, depth + 1)?;
            entries.push((key, value));
        }
    }

    fn key(&self, event: Event<'i>, span: saphyr_parser::Span) -> Result<Key, DecodeError> {
        let at = span_of(&span.start);
        match event {
            Event::Scalar(text, _, _, _) => Ok(Key {
                text: Cow::into_owned(text),
                span: at,
            }),
            _ => Err(self
                .error(at, "mapping keys must be plain words")
                .with_hint("use a name such as `timeout_s:` as the key")),
        }
    }
}
