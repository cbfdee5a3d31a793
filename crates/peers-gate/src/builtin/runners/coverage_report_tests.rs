//! Reading recorded coverage reports: cargo-llvm-cov LCOV (this machine cannot run
//! cargo-llvm-cov: no llvm-tools component can be fetched), coverage.py LCOV, a Go profile.

use super::*;

const LLVM_COV: &str = include_str!("../../../tests/fixtures/runners/llvm-cov.lcov");
const COVERAGE_PY: &str = include_str!("../../../tests/fixtures/runners/coverage-py.lcov");

#[test]
fn llvm_cov_lcov_gives_per_line_hits_relative_to_the_project() {
    let coverage = LineCoverage::parse_lcov(LLVM_COV, Path::new("/work/sample")).unwrap();
    assert_eq!(
        coverage.files.keys().collect::<Vec<_>>(),
        vec!["src/lib.rs", "tests/it.rs"]
    );
    assert_eq!(
        coverage.totals(),
        CoverageTotals {
            covered: 6,
            instrumented: 9
        }
    );
    let changed = BTreeMap::from([("src/lib.rs".to_owned(), BTreeSet::from([2, 4, 5, 6]))]);
    let of_changed = coverage.of_lines(&changed);
    assert_eq!(
        of_changed.totals,
        CoverageTotals {
            covered: 1,
            instrumented: 3
        }
    );
    assert_eq!(describe_lines(&of_changed.uncovered, 5), "src/lib.rs:5-6");
}

#[test]
fn coverage_py_lcov_reads_relative_paths() {
    let coverage = LineCoverage::parse_lcov(COVERAGE_PY, Path::new("/elsewhere")).unwrap();
    assert_eq!(coverage.files["calc.py"], BTreeMap::from([(1, 1), (2, 1)]));
    assert_eq!(coverage.files["tests/test_calc.py"][&12], 0);
}

#[test]
fn go_profile_lines_take_the_best_block_and_lose_the_module_path() {
    let profile =
        "mode: set\nexample.com/m/sum.go:3.24,5.2 1 1\nexample.com/m/sum.go:5.2,7.3 1 0\n";
    let coverage = LineCoverage::parse_go_profile(profile, "example.com/m").unwrap();
    assert_eq!(
        coverage.files["sum.go"],
        BTreeMap::from([(3, 1), (4, 1), (5, 1), (6, 0), (7, 0)])
    );
    assert!(LineCoverage::parse_go_profile("mode: set\ngarbage\n", "m").is_err());
}

#[test]
fn a_malformed_lcov_line_is_an_error() {
    assert!(LineCoverage::parse_lcov("DA:1,1\n", Path::new("/")).is_err());
    assert!(LineCoverage::parse_lcov("SF:a\nDA:x,1\n", Path::new("/")).is_err());
}

#[test]
fn percent_is_none_without_instrumented_lines() {
    assert_eq!(CoverageTotals::default().percent(), None);
    assert_eq!(
        CoverageTotals {
            covered: 1,
            instrumented: 4
        }
        .percent(),
        Some(25.0)
    );
}
