//! The GitHub runner protocol (placeholder until the full module lands).
pub mod commands;
pub mod files;
pub mod summary;
