//! Atoms of `pass_when`: literals, names, calls with their argument lists, and parentheses.

use super::DslError;
use super::ast::{DslNode, Literal, NodeKind, Ty, Var};
use super::calls;
use super::lexer::TokenKind;
use super::literal::check_string_length;
use super::names::{self, Word};
use super::parser::Parser;

impl Parser<'_> {
    pub(super) fn atom(&mut self) -> Result<DslNode, DslError> {
        let token = self.advance();
        let column = token.column;
        match &token.kind {
            TokenKind::Int(value) => Ok(DslNode::new(
                NodeKind::Literal(Literal::Int(*value)),
                column,
                Ty::Int,
            )),
            TokenKind::Float(value) => Ok(DslNode::new(
                NodeKind::Literal(Literal::Float(*value)),
                column,
                Ty::Float,
            )),
            TokenKind::Str(text) => self.strings(text.clone(), column),
            TokenKind::Word(word) => self.word(word, column),
            TokenKind::Symbol("(") => self.parenthesized(column),
            TokenKind::Symbol(symbol) => Err(symbol_instead_of_value(symbol, column)),
            TokenKind::End => {
                let previous = self.previous_description();
                Err(DslError::new(
                    column,
                    format!("expected a value after {previous}"),
                ))
            }
        }
    }

    /// Adjacent string literals join, as in Python: `'a' 'b'` is `'ab'`.
    fn strings(&mut self, mut text: String, column: usize) -> Result<DslNode, DslError> {
        while let TokenKind::Str(next) = &self.peek().kind {
            text.push_str(next);
            self.advance();
        }
        check_string_length(&text, column)?;
        Ok(DslNode::new(
            NodeKind::Literal(Literal::Str(text)),
            column,
            Ty::Str,
        ))
    }

    fn word(&mut self, word: &str, column: usize) -> Result<DslNode, DslError> {
        let called = self.is_symbol("(");
        let Some(resolved) = names::resolve(word) else {
            return Err(names::unknown_word(word, column, called));
        };
        match resolved {
            Word::Function(function) if called => {
                let args = self.arguments()?;
                calls::build_call(function, args, column)
            }
            Word::Function(function) => Err(DslError::new(
                column,
                format!(
                    "'{word}' is a function; call it as {}",
                    function.signature()
                ),
            )),
            _ if called => Err(DslError::new(
                column,
                format!("'{word}' is a value, not a function"),
            )),
            Word::Literal(literal) => {
                let ty = match literal {
                    Literal::None => Ty::None,
                    _ => Ty::Bool,
                };
                Ok(DslNode::new(NodeKind::Literal(literal), column, ty))
            }
            Word::Var(var) => {
                let ty = if var == Var::ExitCode {
                    Ty::IntOrNone
                } else {
                    Ty::Str
                };
                Ok(DslNode::new(NodeKind::Var(var), column, ty))
            }
        }
    }

    fn parenthesized(&mut self, open: usize) -> Result<DslNode, DslError> {
        let inner = self.expression()?;
        let token = self.advance();
        match token.kind {
            TokenKind::Symbol(")") => Ok(inner),
            TokenKind::Symbol(",") => Err(DslError::new(
                token.column,
                "tuples are not allowed in pass_when",
            )),
            _ => Err(self.unclosed(token.column, open)),
        }
    }

    /// `( [expression {, expression} [,]] )`, the opening parenthesis next.
    pub(super) fn arguments(&mut self) -> Result<Vec<DslNode>, DslError> {
        let open = self.advance().column;
        let mut args = Vec::new();
        loop {
            if self.is_symbol(")") {
                self.advance();
                return Ok(args);
            }
            if let TokenKind::Word(name) = &self.peek().kind
                && self.peek_at(1).kind == TokenKind::Symbol("=")
            {
                return Err(DslError::new(
                    self.peek().column,
                    "keyword arguments are not allowed in pass_when",
                )
                .with_hint(format!("pass '{name}' by position")));
            }
            args.push(self.expression()?);
            let token = self.advance();
            match token.kind {
                TokenKind::Symbol(",") => {}
                TokenKind::Symbol(")") => return Ok(args),
                _ => return Err(self.unclosed(token.column, open)),
            }
        }
    }

    /// A `(` at `open` whose `)` should have been at `column`.
    fn unclosed(&self, column: usize, open: usize) -> DslError {
        DslError::new(
            column,
            format!("expected ')' to close '(' at column {open}"),
        )
    }

    pub(super) fn expect_end(&mut self) -> Result<(), DslError> {
        let token = self.peek();
        if let TokenKind::Word(word) = &token.kind
            && let Some(error) = names::reserved_word(word, token.column)
        {
            return Err(error);
        }
        let message = match &token.kind {
            TokenKind::End => return Ok(()),
            TokenKind::Symbol(")") => "unmatched ')'".to_owned(),
            TokenKind::Symbol(",") => "tuples are not allowed in pass_when".to_owned(),
            _ => format!(
                "expected an operator or the end of the expression, found {}",
                token.describe()
            ),
        };
        let error = DslError::new(token.column, message);
        Err(match &token.kind {
            TokenKind::Word(_) | TokenKind::Str(_) | TokenKind::Int(_) | TokenKind::Float(_) => {
                error.with_hint("join conditions with 'and' / 'or'")
            }
            _ => error,
        })
    }

    fn previous_description(&self) -> String {
        match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(token) => token.describe(),
            None => "the start".to_owned(),
        }
    }
}

/// The error for a symbol where a value should start.
fn symbol_instead_of_value(symbol: &str, column: usize) -> DslError {
    match symbol {
        "[" => DslError::new(column, "list literals are not allowed in pass_when"),
        "{" => DslError::new(column, "dict and set literals are not allowed in pass_when"),
        "!" => DslError::new(column, "'!' is not an operator here; use 'not'"),
        "*" | "**" => DslError::new(column, "unpacking with '*' is not allowed in pass_when"),
        "+" => DslError::new(column, "unary '+' is not allowed in pass_when")
            .with_hint("write the number alone"),
        "~" => DslError::new(column, "operator '~' is not allowed in pass_when"),
        _ => DslError::new(column, format!("expected a value, found '{symbol}'")),
    }
}
