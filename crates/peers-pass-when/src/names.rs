//! Names of `pass_when`: what each bare word means, and a did-you-mean for words that mean
//! nothing here.

use super::DslError;
use super::ast::DslFunction;
use super::ast::{Literal, Var};

/// What a bare word (not after a `.`) stands for.
pub(super) enum Word {
    Literal(Literal),
    Var(Var),
    Function(DslFunction),
}

const VARIABLES: [&str; 3] = ["exit_code", "stdout", "stderr"];
const OPERATOR_WORDS: [&str; 5] = ["and", "or", "not", "in", "is"];

pub(super) fn resolve(word: &str) -> Option<Word> {
    let resolved = match word {
        "None" => Word::Literal(Literal::None),
        "True" => Word::Literal(Literal::Bool(true)),
        "False" => Word::Literal(Literal::Bool(false)),
        "exit_code" => Word::Var(Var::ExitCode),
        "stdout" => Word::Var(Var::Stdout),
        "stderr" => Word::Var(Var::Stderr),
        _ => return DslFunction::from_name(word).map(Word::Function),
    };
    Some(resolved)
}

/// The error for a word that [`resolve`] does not know, at `column`; `called` when a `(`
/// follows it.
pub(super) fn unknown_word(word: &str, column: usize, called: bool) -> DslError {
    if OPERATOR_WORDS.contains(&word) {
        return DslError::new(column, format!("expected a value, found '{word}'"));
    }
    if let Some(error) = reserved_word(word, column) {
        return error;
    }
    if called {
        let functions = DslFunction::ALL.map(DslFunction::name);
        let error = DslError::new(column, format!("unknown function '{word}'"));
        return match suggest(word, functions.into_iter()) {
            Some(best) => error.with_hint(format!("did you mean '{best}'?")),
            None => error.with_hint(format!("available functions: {}", functions.join(", "))),
        };
    }
    let error = DslError::new(column, format!("unknown name '{word}'"));
    let known = VARIABLES.into_iter().chain(["None", "True", "False"]);
    match alias(word).or_else(|| suggest(word, known)) {
        Some(best) => error.with_hint(format!("did you mean '{best}'?")),
        None => error.with_hint("available names: exit_code, stdout, stderr, None, True, False"),
    }
}

/// Words with a meaning in Python (or in the original tool) that pass_when does not allow.
pub(super) fn reserved_word(word: &str, column: usize) -> Option<DslError> {
    let error = match word {
        "cwd" => DslError::new(column, "'cwd' is not available in pass_when").with_hint(
            "the command already runs in the repository, and json() paths are relative to it",
        ),
        "re" => DslError::new(column, "the 're' module is not available")
            .with_hint("use regex(pattern, text), which searches like re.search"),
        "if" | "else" => DslError::new(
            column,
            "conditional expressions are not allowed in pass_when",
        )
        .with_hint("combine conditions with 'and' / 'or'"),
        "for" => DslError::new(column, "comprehensions are not allowed in pass_when"),
        "lambda" | "yield" | "await" | "async" | "def" | "class" | "import" | "from" | "del"
        | "global" | "nonlocal" | "assert" | "return" | "raise" | "try" | "while" | "with"
        | "pass" | "break" | "continue" | "except" | "finally" | "elif" | "as" => {
            DslError::new(column, format!("'{word}' is not allowed in pass_when"))
        }
        _ => return None,
    };
    Some(error)
}

/// Spellings from shells and other languages that mean one of ours.
fn alias(word: &str) -> Option<&'static str> {
    match word {
        "returncode" | "return_code" | "rc" | "status" | "exit_status" | "exitcode" | "code" => {
            Some("exit_code")
        }
        "null" | "nil" | "none" => Some("None"),
        "true" => Some("True"),
        "false" => Some("False"),
        "output" | "out" => Some("stdout"),
        "err" | "error" => Some("stderr"),
        _ => None,
    }
}

/// The candidate closest to `word`, if it is close enough to be what the user meant.
pub(super) fn suggest<'c>(
    word: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    let lower = word.to_lowercase();
    candidates
        .map(|candidate| {
            let score = if candidate.to_lowercase() == lower {
                1.0
            } else {
                strsim::jaro_winkler(&lower, &candidate.to_lowercase())
            };
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod names_tests {
    use super::*;

    #[test]
    fn near_misses_get_a_suggestion() {
        let hint = |word: &str| unknown_word(word, 1, false).hint.unwrap();
        assert_eq!(hint("exitcode"), "did you mean 'exit_code'?");
        assert_eq!(hint("stdot"), "did you mean 'stdout'?");
        assert_eq!(hint("Stderr"), "did you mean 'stderr'?");
        assert_eq!(hint("null"), "did you mean 'None'?");
        assert_eq!(hint("true"), "did you mean 'True'?");
        assert_eq!(hint("returncode"), "did you mean 'exit_code'?");
        assert_eq!(
            hint("zebra"),
            "available names: exit_code, stdout, stderr, None, True, False"
        );
    }

    #[test]
    fn unknown_function_suggests_a_function() {
        let error = unknown_word("regx", 3, true);
        assert_eq!(error.to_string(), "column 3: unknown function 'regx'");
        assert_eq!(error.hint.as_deref(), Some("did you mean 'regex'?"));
        let error = unknown_word("open", 1, true);
        assert_eq!(
            error.hint.as_deref(),
            Some("available functions: regex, json, int, float, len")
        );
    }

    #[test]
    fn python_keywords_are_named_in_the_message() {
        assert_eq!(
            unknown_word("lambda", 1, false).message,
            "'lambda' is not allowed in pass_when"
        );
        assert!(unknown_word("if", 1, false).message.contains("conditional"));
        assert!(
            unknown_word("cwd", 1, false)
                .hint
                .unwrap()
                .contains("repository")
        );
    }
}
