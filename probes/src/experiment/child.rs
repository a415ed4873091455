//! Forked children with a time limit (to be written).
