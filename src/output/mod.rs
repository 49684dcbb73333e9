//! Output.

pub mod commit;
pub mod state;
