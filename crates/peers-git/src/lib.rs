//! Git for peers: the git CLI run with an explicit environment, and the reads peers needs.
