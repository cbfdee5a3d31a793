//! Child processes for peers: own process group, explicit environment, bounded capture, grace-then-kill.
