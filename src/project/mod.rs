//! Project.

pub mod config;
pub mod identity;
pub mod ingest;
pub mod load;
pub mod scaffold;
