//! How messages name a project file.

use std::path::Path;

/// A path as the organizer knows it: relative to the project when inside it.
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
