//! Weakened tests: a turn that removes assertions from a test file, trades a comparing
//! assertion for a looser one (`== 5` → `is not None`), or adds an assertion that is always
//! true. Honest work adds or sharpens assertions; a peer under pressure to go green loosens them.
//! A `Justified-Test-Change: <reason>` trailer of substance accepts a deliberate change.

use std::sync::LazyLock;

use regex::Regex;

use super::is_test_path;
use crate::unified_diff::FilePatch;

/// A line that asserts something, in the languages peers gates.
static ASSERTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \bassert\b | \bassert(_eq|_ne|_matches)?!\s*\( | \bdebug_assert | \bexpect\s*\(
        | \.to[A-Z]\w*\s*\( | \bt\.(Error|Errorf|Fatal|Fatalf)\s*\( | \brequire\.\w+\s*\(
        | \bself\.assert\w*\s*\( | \bpytest\.raises\b | \bshould\.",
    )
    .unwrap_or_else(|_| unreachable_regex())
});

/// An assertion that compares or pins a value (as opposed to a truthiness check).
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        ==|!=|<=|>=|\s<\s|\s>\s|\bin\b|\bassert_(eq|ne|matches)!|\.to(Be|Equal|StrictEqual|Throw|Match|Contain|HaveLength|BeCloseTo)\w*\s*\(
        | \braises\b | Equal\w*\s*\( | \bassert(Equal|In|Raises|Almost)\w*\(",
    )
    .unwrap_or_else(|_| unreachable_regex())
});

/// Assertions that can never fail.
static TRIVIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \bassert\s+(True|1|not\s+False)\s*(\#.*)?$ | \bassert!\s*\(\s*true\s*\) | \bexpect\s*\(\s*true\s*\)
        | \bself\.assertTrue\s*\(\s*True\s*\)",
    )
    .unwrap_or_else(|_| unreachable_regex())
});

fn unreachable_regex() -> Regex {
    // Only reached if a literal pattern above failed to compile, which the tests rule out.
    Regex::new("$^").unwrap_or_else(|_| std::process::abort())
}

fn is_assertion(line: &str) -> bool {
    let code = line.trim_start();
    !code.starts_with("//") && !code.starts_with('#') && ASSERTION.is_match(code)
}

/// `assert x == y`: trivially true only when both sides are the same name.
static SAME_SIDES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bassert\s+(\w+)\s*==\s*(\w+)\s*$").unwrap_or_else(|_| unreachable_regex())
});

fn trivially_true(line: &str) -> bool {
    let code = line.trim();
    if let Some(caps) = SAME_SIDES.captures(code) {
        return caps.get(1).map(|m| m.as_str()) == caps.get(2).map(|m| m.as_str());
    }
    TRIVIAL.is_match(code)
}

/// One finding per weakened test file, naming what was lost.
pub fn weakened_assertions(patches: &[FilePatch]) -> Vec<String> {
    let mut findings = Vec::new();
    for patch in patches
        .iter()
        .filter(|p| is_test_path(&p.path) && !p.binary)
    {
        let removed: Vec<&str> = patch
            .removed
            .iter()
            .map(|(_, l)| l.as_str())
            .filter(|l| is_assertion(l))
            .collect();
        let added: Vec<&str> = patch
            .added
            .iter()
            .map(|(_, l)| l.as_str())
            .filter(|l| is_assertion(l))
            .collect();
        let strong = |lines: &[&str]| {
            lines
                .iter()
                .filter(|l| STRONG.is_match(l) && !trivially_true(l))
                .count()
        };
        let example = |lines: &[&str]| {
            lines
                .first()
                .map(|l| format!(" (`{}`)", l.trim()))
                .unwrap_or_default()
        };
        if let Some(line) = added.iter().find(|l| trivially_true(l)) {
            findings.push(format!(
                "{}: adds an assertion that can never fail: `{}`",
                patch.path,
                line.trim()
            ));
        } else if removed.len() > added.len() {
            findings.push(format!(
                "{}: {} assertion(s) removed, {} added{}",
                patch.path,
                removed.len(),
                added.len(),
                example(&removed)
            ));
        } else if strong(&removed) > strong(&added) {
            findings.push(format!(
                "{}: comparing assertions replaced by looser ones{}",
                patch.path,
                example(&removed)
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(path: &str, removed: &[&str], added: &[&str]) -> FilePatch {
        FilePatch {
            path: path.to_owned(),
            deleted: false,
            created: false,
            binary: false,
            added: added
                .iter()
                .enumerate()
                .map(|(i, l)| (i as u32 + 1, (*l).to_owned()))
                .collect(),
            removed: removed
                .iter()
                .enumerate()
                .map(|(i, l)| (i as u32 + 1, (*l).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn an_equality_loosened_to_a_none_check_is_weakening() {
        let found = weakened_assertions(&[patch(
            "tests/test_calc.py",
            &["    assert add(2, 3) == 5"],
            &["    assert add(2, 3) is not None"],
        )]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("looser"));
    }

    #[test]
    fn removing_assertions_is_weakening_and_adding_them_is_not() {
        assert_eq!(
            weakened_assertions(&[patch(
                "src/calc_test.go",
                &["\tif got != 5 { t.Errorf(\"bad\") }"],
                &[]
            )])
            .len(),
            1
        );
        assert!(
            weakened_assertions(&[patch(
                "tests/test_calc.py",
                &[],
                &["    assert mul(2, 3) == 6"]
            )])
            .is_empty()
        );
    }

    #[test]
    fn always_true_assertions_are_named() {
        for line in [
            "    assert True",
            "    assert!(true);",
            "  expect(true).toBe(true);",
            "    assert x == x",
        ] {
            let found = weakened_assertions(&[patch("tests/t.py", &[], &[line])]);
            assert_eq!(found.len(), 1, "{line}: {found:?}");
        }
    }

    #[test]
    fn sharpening_or_moving_assertions_is_not_weakening() {
        let moved = patch(
            "tests/test_a.py",
            &["    assert f(1) == 2", "    assert g() == 3"],
            &["    assert g() == 3", "    assert f(1) == 2"],
        );
        let sharpened = patch(
            "tests/test_b.py",
            &["    assert f(1)"],
            &["    assert f(1) == 2"],
        );
        assert!(weakened_assertions(&[moved, sharpened]).is_empty());
    }

    #[test]
    fn source_files_and_comments_are_ignored() {
        assert!(
            weakened_assertions(&[patch("src/calc.py", &["    assert x == 1"], &[])]).is_empty()
        );
        assert!(
            weakened_assertions(&[patch("tests/t.py", &["    # assert x == 1"], &[])]).is_empty()
        );
    }
}
