//! The .peers/ directory: safe file I/O, state.json, the run log, the run lock.
