//! The demo's sample project: a POSIX-shell calculator with a planted division-by-zero bug
//! and a test suite that exposes it, plus the two edits the demo implementer makes.
//! Only `/bin/sh` is needed to test it: `sh tests/run.sh` prints `N passed, M failed`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::error::SimError;

pub(crate) const CALC: &str = "calc.sh";
pub(crate) const CASES: &str = "tests/cases.sh";

const README: &str = "\
# calc

A tiny integer calculator in POSIX shell: `sh calc.sh OP A B` with OP `add` or `div`.

- Results go to stdout, one integer.
- `div` truncates toward zero. Division by zero prints `error: division by zero` on stderr
  and exits 1.
- A bad operation prints `error: unknown operation: OP` on stderr and exits 2.

Tests: `sh tests/run.sh` prints `N passed, M failed` and exits 1 when any case fails.
";

const CALC_SH: &str = r#"#!/bin/sh
# calc.sh: integer arithmetic for the peers demo.
# usage: sh calc.sh OP A B   (OP is add or div)
# Division by zero must print "error: division by zero" on stderr and exit 1.

if [ "$#" -ne 3 ]; then
    echo "usage: sh calc.sh OP A B" >&2
    exit 2
fi
op=$1 a=$2 b=$3

case "$op" in
    add) echo $((a + b)) ;;
    div) echo $((a / b)) ;;
    *)
        echo "error: unknown operation: $op" >&2
        exit 2
        ;;
esac
"#;

const RUN_SH: &str = r#"#!/bin/sh
# tests/run.sh: the calc.sh test suite. Prints "N passed, M failed"; exits 1 on any failure.
cd "$(dirname "$0")/.." || exit 2
passed=0
failed=0

# expect NAME WANT_STATUS WANT_STDOUT WANT_STDERR ARGS...
expect() {
    name=$1 want_status=$2 want_out=$3 want_err=$4
    shift 4
    out=$(sh ./calc.sh "$@" 2>/dev/null)
    status=$?
    err=$(sh ./calc.sh "$@" 2>&1 >/dev/null)
    if [ "$status" = "$want_status" ] && [ "$out" = "$want_out" ] && [ "$err" = "$want_err" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: calc.sh $*: status $status, stdout '$out', stderr '$err'" \
            "(want $want_status, '$want_out', '$want_err')"
    fi
}

. ./tests/cases.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
"#;

const CASES_SH: &str = r#"# tests/cases.sh: one `expect` per case; tests/run.sh sources this file.
expect "add two positives" 0 5 "" add 2 3
expect "add a negative" 0 -1 "" add 2 -3
expect "div exact" 0 4 "" div 8 2
expect "div truncates toward zero" 0 3 "" div 7 2
expect "div by zero is an error" 1 "" "error: division by zero" div 1 0
"#;

/// The line the planted bug lives on, and the fix that replaces it.
const BUGGY_DIV: &str = "    div) echo $((a / b)) ;;\n";
const FIXED_DIV: &str = r#"    div)
        # A zero divisor in any spelling (0, 00, -0) is refused before $(( )) sees it.
        if [ "$b" -eq 0 ] 2>/dev/null; then
            echo "error: division by zero" >&2
            exit 1
        fi
        echo $((a / b))
        ;;
"#;
const DIV_ARM: &str = "    div)";
const MUL_ARM: &str = "    mul) echo $((a * b)) ;;\n";
const OPS_BEFORE: &str = "(OP is add or div)";
const OPS_AFTER: &str = "(OP is add, mul or div)";

const MUL_CASES: &str = r#"expect "mul two positives" 0 12 "" mul 3 4
expect "mul by zero" 0 0 "" mul 5 0
expect "mul two negatives" 0 6 "" mul -2 -3
"#;

/// Write the sample project into `dir` (created if missing). Refuses to overwrite any file.
/// Git is left to the caller.
pub fn write_demo_repository(dir: &Path) -> Result<(), SimError> {
    let files = [
        ("README.md", README, false),
        (CALC, CALC_SH, true),
        ("tests/run.sh", RUN_SH, true),
        (CASES, CASES_SH, false),
    ];
    for (name, _, _) in files {
        let path = dir.join(name);
        if path.exists() {
            return Err(SimError::DemoFileExists { path });
        }
    }
    for (name, content, executable) in files {
        let path = dir.join(name);
        let io = |action, source| SimError::Io {
            action,
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("create the directory of", e))?;
        }
        std::fs::write(&path, content).map_err(|e| io("write", e))?;
        if executable {
            let mode = std::fs::Permissions::from_mode(0o755);
            std::fs::set_permissions(&path, mode).map_err(|e| io("make executable", e))?;
        }
    }
    Ok(())
}

/// What the demo peers read of calc.sh.
pub(crate) struct CalcState {
    pub(crate) has_mul: bool,
    /// 1-based line of the unguarded division, while it exists.
    pub(crate) buggy_div_line: Option<usize>,
}

pub(crate) fn calc_state(repo: &Path) -> Result<CalcState, SimError> {
    let text = read(&repo.join(CALC))?;
    let buggy_div_line = text
        .lines()
        .position(|line| format!("{line}\n") == BUGGY_DIV)
        .map(|index| index + 1);
    Ok(CalcState {
        has_mul: text.contains(MUL_ARM),
        buggy_div_line,
    })
}

/// Add the `mul` operation and its happy, edge and sad cases.
pub(crate) fn add_mul(repo: &Path) -> Result<(), SimError> {
    let calc = repo.join(CALC);
    let text = read(&calc)?;
    let text = replace_once(&calc, &text, OPS_BEFORE, OPS_AFTER)?;
    let at = text.find(DIV_ARM).ok_or_else(|| missing(&calc, DIV_ARM))?;
    let text = format!("{}{MUL_ARM}{}", &text[..at], &text[at..]);
    write(&calc, &text)?;
    append(&repo.join(CASES), MUL_CASES)
}

/// Guard the division and add regression cases named after `bug_id`.
pub(crate) fn fix_division(repo: &Path, bug_id: &str) -> Result<(), SimError> {
    let calc = repo.join(CALC);
    let text = read(&calc)?;
    write(&calc, &replace_once(&calc, &text, BUGGY_DIV, FIXED_DIV)?)?;
    let cases = format!(
        "# {bug_id} regression: every spelling of a zero divisor is refused.\n\
         expect \"{bug_id} div zero by zero\" 1 \"\" \"error: division by zero\" div 0 0\n\
         expect \"{bug_id} div by 00\" 1 \"\" \"error: division by zero\" div 5 00\n\
         expect \"{bug_id} div by -0\" 1 \"\" \"error: division by zero\" div 5 -0\n"
    );
    append(&repo.join(CASES), &cases)
}

fn replace_once(path: &Path, text: &str, from: &str, to: &str) -> Result<String, SimError> {
    if !text.contains(from) {
        return Err(missing(path, from));
    }
    Ok(text.replacen(from, to, 1))
}

fn missing(path: &Path, anchor: &str) -> SimError {
    SimError::DemoAnchorMissing {
        path: path.to_path_buf(),
        anchor: anchor.trim_end().to_owned(),
    }
}

fn read(path: &Path) -> Result<String, SimError> {
    std::fs::read_to_string(path).map_err(|source| SimError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), SimError> {
    std::fs::write(path, text).map_err(|source| SimError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

fn append(path: &Path, text: &str) -> Result<(), SimError> {
    let existing = read(path)?;
    write(path, &format!("{existing}{text}"))
}

#[cfg(test)]
mod tests;
