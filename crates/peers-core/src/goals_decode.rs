//! (module reserved; filled in by its owner)
