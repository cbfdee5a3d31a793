//! peers-ctl integration tests: the built binary in hermetic temp directories.

mod ctl;
