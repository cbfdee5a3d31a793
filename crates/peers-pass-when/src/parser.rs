//! Parser of `pass_when`: recursive descent over the tokens, one function per precedence
//! level of the grammar in the module documentation.

use super::DslError;
use super::ast::{CompareOp, Comparison, DslNode, Literal, NodeKind, Ty};
use super::calls;
use super::lexer::{Token, TokenKind};
use super::limits;

pub(super) fn parse_tokens(tokens: &[Token]) -> Result<DslNode, DslError> {
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    if parser.peek().kind == TokenKind::End {
        return Err(DslError::new(1, "expression is empty")
            .with_hint("write a condition such as: exit_code == 0"));
    }
    let root = parser.expression()?;
    parser.expect_end()?;
    check_result_is_bool(&root)?;
    Ok(root)
}

pub(super) struct Parser<'t> {
    /// Never empty: the lexer ends every list with `End`.
    pub(super) tokens: &'t [Token],
    pub(super) pos: usize,
    /// Nesting levels entered and not yet left (see `limits::MAX_NESTING`).
    depth: usize,
}

impl<'t> Parser<'t> {
    pub(super) fn peek(&self) -> &'t Token {
        self.peek_at(0)
    }

    pub(super) fn peek_at(&self, offset: usize) -> &'t Token {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + offset).min(last)]
    }

    pub(super) fn advance(&mut self) -> &'t Token {
        let token = self.peek();
        if token.kind != TokenKind::End {
            self.pos += 1;
        }
        token
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Word(w) if w == word)
    }

    pub(super) fn is_symbol(&self, symbol: &str) -> bool {
        matches!(self.peek().kind, TokenKind::Symbol(s) if s == symbol)
    }

    pub(super) fn expression(&mut self) -> Result<DslNode, DslError> {
        self.nested(|parser| parser.bool_chain("or", Self::and_expr, NodeKind::Or))
    }

    /// Parses one nesting level with `parse`, refusing to go deeper than the limits allow
    /// before the recursion could exhaust the stack.
    fn nested(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<DslNode, DslError>,
    ) -> Result<DslNode, DslError> {
        let column = self.peek().column;
        limits::check_nesting(self.depth, column)?;
        self.depth += 1;
        let node = parse(self);
        self.depth -= 1;
        let node = node?;
        limits::check_height(&node, node.column)?;
        Ok(node)
    }

    fn and_expr(&mut self) -> Result<DslNode, DslError> {
        self.bool_chain("and", Self::not_expr, NodeKind::And)
    }

    /// `operand { keyword operand }`, for `or` and `and`.
    fn bool_chain(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Result<DslNode, DslError>,
        build: fn(Vec<DslNode>) -> NodeKind,
    ) -> Result<DslNode, DslError> {
        let first = operand(self)?;
        if !self.is_word(keyword) {
            return Ok(first);
        }
        let (column, mut ty) = (first.column, first.ty);
        let mut operands = vec![first];
        while self.is_word(keyword) {
            self.advance();
            let next = operand(self)?;
            ty = ty.either(next.ty);
            operands.push(next);
        }
        Ok(DslNode::new(build(operands), column, ty))
    }

    fn not_expr(&mut self) -> Result<DslNode, DslError> {
        if !self.is_word("not") {
            return self.comparison();
        }
        let column = self.advance().column;
        let operand = self.nested(Self::not_expr)?;
        Ok(DslNode::new(
            NodeKind::Not(Box::new(operand)),
            column,
            Ty::Bool,
        ))
    }

    fn comparison(&mut self) -> Result<DslNode, DslError> {
        let first = self.sum()?;
        let mut rest: Vec<Comparison> = Vec::new();
        while let Some((op, column)) = self.compare_op()? {
            let right = self.sum()?;
            let left = rest.last().map_or(&first, |c| &c.right);
            if matches!(op, CompareOp::Is | CompareOp::IsNot)
                && !left.is_singleton_literal()
                && !right.is_singleton_literal()
            {
                return Err(DslError::new(
                    column,
                    format!("'{}' only compares with None, True or False", op.symbol()),
                )
                .with_hint("use '==' or '!=' to compare values"));
            }
            rest.push(Comparison { op, column, right });
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let column = first.column;
        Ok(DslNode::new(
            NodeKind::Compare {
                first: Box::new(first),
                rest,
            },
            column,
            Ty::Bool,
        ))
    }

    /// Consumes a comparison operator if one is next.
    fn compare_op(&mut self) -> Result<Option<(CompareOp, usize)>, DslError> {
        let token = self.peek();
        let op = match &token.kind {
            TokenKind::Symbol(symbol) => match *symbol {
                "==" => CompareOp::Eq,
                "!=" => CompareOp::Ne,
                "<" => CompareOp::Lt,
                "<=" => CompareOp::Le,
                ">" => CompareOp::Gt,
                ">=" => CompareOp::Ge,
                "=" => {
                    return Err(DslError::new(
                        token.column,
                        "'=' assigns; use '==' to compare",
                    ));
                }
                _ => return Ok(None),
            },
            TokenKind::Word(word) => match word.as_str() {
                "in" => CompareOp::In,
                "not" if matches!(&self.peek_at(1).kind, TokenKind::Word(w) if w == "in") => {
                    self.advance();
                    CompareOp::NotIn
                }
                "is" if matches!(&self.peek_at(1).kind, TokenKind::Word(w) if w == "not") => {
                    self.advance();
                    CompareOp::IsNot
                }
                "is" => CompareOp::Is,
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        self.advance();
        Ok(Some((op, token.column)))
    }

    fn sum(&mut self) -> Result<DslNode, DslError> {
        let mut left = self.unary()?;
        loop {
            let token = self.peek();
            let TokenKind::Symbol(symbol) = token.kind else {
                return Ok(left);
            };
            if symbol != "+" {
                return match binary_operator_error(symbol, token.column) {
                    Some(error) => Err(error),
                    None => Ok(left),
                };
            }
            self.advance();
            let right = self.unary()?;
            let Some(ty) = add_ty(left.ty, right.ty) else {
                return Err(DslError::new(
                    token.column,
                    format!(
                        "cannot add {} and {}",
                        left.ty.describe(),
                        right.ty.describe()
                    ),
                )
                .with_hint("'+' joins two strings or adds two numbers"));
            };
            left = DslNode::new(
                NodeKind::Add(Box::new(left), Box::new(right)),
                token.column,
                ty,
            );
            limits::check_height(&left, token.column)?;
        }
    }

    fn unary(&mut self) -> Result<DslNode, DslError> {
        if !self.is_symbol("-") {
            return self.postfix();
        }
        let column = self.advance().column;
        let operand = self.nested(Self::unary)?;
        if !operand.ty.may_be_number() {
            return Err(DslError::new(
                column,
                format!(
                    "unary '-' needs a number, but this is {}",
                    operand.ty.describe()
                ),
            ));
        }
        let ty = match operand.ty {
            Ty::Float => Ty::Float,
            Ty::Int | Ty::Bool => Ty::Int,
            _ => Ty::Any,
        };
        let kind = match operand.kind {
            NodeKind::Literal(Literal::Int(value)) => NodeKind::Literal(Literal::Int(-value)),
            NodeKind::Literal(Literal::Float(value)) => NodeKind::Literal(Literal::Float(-value)),
            _ => NodeKind::Neg(Box::new(operand)),
        };
        Ok(DslNode::new(kind, column, ty))
    }

    fn postfix(&mut self) -> Result<DslNode, DslError> {
        let mut node = self.atom()?;
        loop {
            let token = self.peek();
            match token.kind {
                TokenKind::Symbol(".") => {
                    self.advance();
                    node = self.member(node)?;
                    limits::check_height(&node, token.column)?;
                }
                TokenKind::Symbol("[") => {
                    return Err(DslError::new(
                        token.column,
                        "subscripts like x[0] are not allowed in pass_when",
                    )
                    .with_hint(
                        "use .split(), .strip(), regex(...).group(n) or a json field (.name)",
                    ));
                }
                TokenKind::Symbol("(") => {
                    return Err(DslError::new(
                        token.column,
                        "only regex, json, int, float and len can be called",
                    ));
                }
                _ => return Ok(node),
            }
        }
    }

    /// After a `.`: a method call `name(...)` or a json field `name`.
    fn member(&mut self, receiver: DslNode) -> Result<DslNode, DslError> {
        let token = self.advance();
        let TokenKind::Word(name) = &token.kind else {
            return Err(DslError::new(
                token.column,
                format!(
                    "expected a field or method name after '.', found {}",
                    token.describe()
                ),
            ));
        };
        if name.starts_with('_') {
            return Err(DslError::new(
                token.column,
                "names starting with '_' are not allowed in pass_when",
            ));
        }
        if self.is_symbol("(") {
            let args = self.arguments()?;
            return calls::build_method(receiver, name, token.column, args);
        }
        if receiver.ty.is_definite() {
            return Err(DslError::new(
                token.column,
                format!(
                    "'.{name}' reads a json field, but this is {}",
                    receiver.ty.describe()
                ),
            )
            .with_hint("fields exist only on values from json('path')"));
        }
        let kind = NodeKind::Field {
            base: Box::new(receiver),
            name: name.clone(),
        };
        Ok(DslNode::new(kind, token.column, Ty::Json))
    }
}

/// The error for an operator Python has but pass_when does not, or `None` for a symbol that
/// may legitimately follow an operand (`)`, `,`, a comparison...).
fn binary_operator_error(symbol: &str, column: usize) -> Option<DslError> {
    let error = match symbol {
        "&&" => DslError::new(column, "'&&' is not an operator here; use 'and'"),
        "||" => DslError::new(column, "'||' is not an operator here; use 'or'"),
        "!" => DslError::new(column, "'!' is not an operator here; use 'not'"),
        ":=" => DslError::new(
            column,
            "assignment expressions (:=) are not allowed in pass_when",
        ),
        "-" | "*" | "/" | "//" | "%" | "**" | "@" | "&" | "|" | "^" | "<<" | ">>" => DslError::new(
            column,
            format!("operator '{symbol}' is not allowed in pass_when"),
        )
        .with_hint("only '+' combines values; compare with ==, <, in, ..."),
        _ => return None,
    };
    Some(error)
}

/// The type of `left + right`, or `None` when the addition is certain to fail.
fn add_ty(left: Ty, right: Ty) -> Option<Ty> {
    match (left, right) {
        (Ty::Str, Ty::Str) => Some(Ty::Str),
        (Ty::List, Ty::List) => Some(Ty::List),
        (Ty::Float, r) if r.is_numeric() => Some(Ty::Float),
        (l, Ty::Float) if l.is_numeric() => Some(Ty::Float),
        (l, r) if l.is_numeric() && r.is_numeric() => Some(Ty::Int),
        (l, r)
            if (l.may_be_str() && r.may_be_str())
                || (l.may_be_number() && r.may_be_number())
                || (l.may_be_list() && r.may_be_list()) =>
        {
            Some(Ty::Any)
        }
        _ => None,
    }
}

fn check_result_is_bool(root: &DslNode) -> Result<(), DslError> {
    if !root.ty.is_definite() || root.ty == Ty::Bool {
        return Ok(());
    }
    let error = DslError::new(
        root.column,
        format!(
            "pass_when must produce True or False, but this produces {}",
            root.ty.describe()
        ),
    );
    Err(match root.ty {
        Ty::MatchOrNone => error.with_hint("compare it: regex(...) is not None"),
        Ty::IntOrNone | Ty::Int => error.with_hint("compare it: exit_code == 0"),
        Ty::Str | Ty::StrOrNone => error.with_hint("compare it: 'passed' in stdout"),
        _ => error.with_hint("compare it with ==, <, in, ..."),
    })
}
