//! Entities and mentions (in progress).
