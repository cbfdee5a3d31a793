//! `BuiltinError::describe`: the diagnostic text built from an error and its causes.

use super::*;

/// A wrapped error keeps its cause and the tool's output in the diagnostic.
#[test]
fn describe_shows_the_causes_then_the_output_of_a_wrapped_error() {
    let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
    let error = BuiltinError::Tests {
        lang: Language::Python,
        source: Box::new(BuiltinError::NoReport {
            tool: "pytest",
            report: "report",
            path: PathBuf::from("/scratch/report.xml"),
            output_tail: "Killed".to_owned(),
            source: missing,
        }),
    };
    assert_eq!(
        error.describe(),
        "python tests: pytest wrote no report to /scratch/report.xml: entity not found; \
         its output ends:\nKilled"
    );
}

/// A hint found anywhere in the chain comes last, on its own line.
#[test]
fn describe_puts_a_nested_fix_hint_on_its_own_last_line() {
    let error = BuiltinError::Manifest {
        path: "Cargo.toml".to_owned(),
        source: Box::new(BuiltinError::ManifestTooLarge {
            bytes: 5 << 20,
            limit_mib: 4,
        }),
    };
    assert_eq!(
        error.describe(),
        "Cargo.toml: is 5242880 bytes, over the 4 MiB limit for a manifest\nhint: a manifest \
         this large is not hand-written; remove the generated content"
    );
}
