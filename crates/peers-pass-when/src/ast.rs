//! Syntax tree of `pass_when`, with the type the parser could infer for each node so that
//! mistakes like `stdout.group(1)` are reported at load time.

use regex::Regex;

#[derive(Debug, Clone)]
pub(super) struct DslNode {
    pub(super) kind: NodeKind,
    /// 1-based column that errors about this node point at.
    pub(super) column: usize,
    pub(super) ty: Ty,
    /// Nodes on the longest path down from this one (a leaf is 1); the parser caps it, so
    /// evaluation, cloning and dropping recurse at most this deep.
    pub(super) height: usize,
}

#[derive(Debug, Clone)]
pub(super) enum NodeKind {
    Literal(Literal),
    Var(Var),
    Not(Box<DslNode>),
    Neg(Box<DslNode>),
    And(Vec<DslNode>),
    Or(Vec<DslNode>),
    /// `first op1 right1 op2 right2 ...`, Python's chained comparison.
    Compare {
        first: Box<DslNode>,
        rest: Vec<Comparison>,
    },
    Add(Box<DslNode>, Box<DslNode>),
    Call(Call),
    Method {
        receiver: Box<DslNode>,
        method: Method,
        args: Vec<DslNode>,
    },
    /// `base.name`, reading a field of a json object.
    Field {
        base: Box<DslNode>,
        name: String,
    },
}

impl DslNode {
    pub(super) fn new(kind: NodeKind, column: usize, ty: Ty) -> Self {
        let height = 1 + kind.child_height();
        Self {
            kind,
            column,
            ty,
            height,
        }
    }

    /// True for the literals `None`, `True` and `False`, the only things `is` compares with.
    pub(super) fn is_singleton_literal(&self) -> bool {
        matches!(
            self.kind,
            NodeKind::Literal(Literal::None | Literal::Bool(_))
        )
    }
}

impl NodeKind {
    /// The greatest height among the children (0 for a leaf).
    fn child_height(&self) -> usize {
        let of = |node: &DslNode| node.height;
        match self {
            Self::Literal(_) | Self::Var(_) => 0,
            Self::Not(operand) | Self::Neg(operand) => of(operand),
            Self::And(operands) | Self::Or(operands) => operands.iter().map(of).max().unwrap_or(0),
            Self::Compare { first, rest } => rest
                .iter()
                .map(|link| of(&link.right))
                .fold(of(first), usize::max),
            Self::Add(left, right) => of(left).max(of(right)),
            Self::Call(call) => match call {
                Call::Regex { pattern, text, .. } => of(pattern).max(of(text)),
                Call::Json(x) | Call::Int(x) | Call::Float(x) | Call::Len(x) => of(x),
            },
            Self::Method { receiver, args, .. } => {
                args.iter().map(of).fold(of(receiver), usize::max)
            }
            Self::Field { base, .. } => of(base),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Literal {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Var {
    ExitCode,
    Stdout,
    Stderr,
}

#[derive(Debug, Clone)]
pub(super) struct Comparison {
    pub(super) op: CompareOp,
    pub(super) column: usize,
    pub(super) right: DslNode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

impl CompareOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::In => "in",
            Self::NotIn => "not in",
            Self::Is => "is",
            Self::IsNot => "is not",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Call {
    /// `compiled` is set when the pattern is a literal, so it is compiled once at load time.
    Regex {
        pattern: Box<DslNode>,
        compiled: Option<Regex>,
        text: Box<DslNode>,
    },
    Json(Box<DslNode>),
    Int(Box<DslNode>),
    Float(Box<DslNode>),
    Len(Box<DslNode>),
}

/// What the parser knows about a node's value. `Any` means it is only known at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    Bool,
    Int,
    Float,
    Str,
    None,
    List,
    IntOrNone,
    StrOrNone,
    MatchOrNone,
    /// A value read from a json file: any json type.
    Json,
    Any,
}

impl Ty {
    /// "a string", "an int or None": how messages name a value of this type.
    pub(super) fn describe(self) -> &'static str {
        match self {
            Self::Bool => "a bool",
            Self::Int => "an int",
            Self::Float => "a float",
            Self::Str => "a string",
            Self::None => "None",
            Self::List => "a list",
            Self::IntOrNone => "an int or None",
            Self::StrOrNone => "a string or None",
            Self::MatchOrNone => "a regex match or None",
            Self::Json => "a json value",
            Self::Any => "a value",
        }
    }

    /// Whether the type is fully known, so a wrong use is certain to fail at run time.
    pub(super) fn is_definite(self) -> bool {
        !matches!(self, Self::Json | Self::Any)
    }

    pub(super) fn is_numeric(self) -> bool {
        matches!(self, Self::Bool | Self::Int | Self::Float)
    }

    pub(super) fn may_be_number(self) -> bool {
        self.is_numeric() || matches!(self, Self::IntOrNone | Self::Json | Self::Any)
    }

    pub(super) fn may_be_str(self) -> bool {
        matches!(self, Self::Str | Self::StrOrNone | Self::Json | Self::Any)
    }

    pub(super) fn may_be_list(self) -> bool {
        matches!(self, Self::List | Self::Any)
    }

    /// The type of `a and b` / `a or b`: one of the operands.
    pub(super) fn either(self, other: Ty) -> Ty {
        if self == other { self } else { Self::Any }
    }
}

/// A function of the language (`regex(...)`, `json(...)`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DslFunction {
    Regex,
    Json,
    Int,
    Float,
    Len,
}

impl DslFunction {
    pub(super) const ALL: [DslFunction; 5] =
        [Self::Regex, Self::Json, Self::Int, Self::Float, Self::Len];

    pub(super) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Regex => "regex",
            Self::Json => "json",
            Self::Int => "int",
            Self::Float => "float",
            Self::Len => "len",
        }
    }

    /// How to call it, for messages: `regex(pattern, text)`.
    pub(super) fn signature(self) -> &'static str {
        match self {
            Self::Regex => "regex(pattern, text)",
            Self::Json => "json(path)",
            Self::Int => "int(x)",
            Self::Float => "float(x)",
            Self::Len => "len(x)",
        }
    }
}

/// A method of a string or a match (`.strip()`, `.group(1)`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Strip,
    Lstrip,
    Rstrip,
    Lower,
    Upper,
    Split,
    Splitlines,
    Startswith,
    Endswith,
    Group,
}

impl Method {
    pub(super) const ALL: [Method; 10] = [
        Self::Strip,
        Self::Lstrip,
        Self::Rstrip,
        Self::Lower,
        Self::Upper,
        Self::Split,
        Self::Splitlines,
        Self::Startswith,
        Self::Endswith,
        Self::Group,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Strip => "strip",
            Self::Lstrip => "lstrip",
            Self::Rstrip => "rstrip",
            Self::Lower => "lower",
            Self::Upper => "upper",
            Self::Split => "split",
            Self::Splitlines => "splitlines",
            Self::Startswith => "startswith",
            Self::Endswith => "endswith",
            Self::Group => "group",
        }
    }

    /// Least and most arguments.
    pub(super) fn arity(self) -> (usize, usize) {
        match self {
            Self::Strip | Self::Lstrip | Self::Rstrip | Self::Split | Self::Group => (0, 1),
            Self::Lower | Self::Upper | Self::Splitlines => (0, 0),
            Self::Startswith | Self::Endswith => (1, 1),
        }
    }

    pub(super) fn on_match(self) -> bool {
        self == Self::Group
    }

    pub(super) fn result_ty(self) -> Ty {
        match self {
            Self::Strip | Self::Lstrip | Self::Rstrip | Self::Lower | Self::Upper => Ty::Str,
            Self::Split | Self::Splitlines => Ty::List,
            Self::Startswith | Self::Endswith => Ty::Bool,
            Self::Group => Ty::StrOrNone,
        }
    }
}
