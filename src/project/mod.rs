//! Project.

pub mod config;
pub mod guid;
pub mod identity;
pub mod ingest;
pub mod load;
pub mod lock;
pub mod paths;
pub mod scaffold;
pub mod tags;
pub mod theme;
