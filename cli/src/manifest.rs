//! `.securegen/manifest.json`: the hash of every generated file as last written, so that
//! `generate` can tell a hand-edited generated file (refused without `--force`) from one that
//! merely needs regenerating.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Where the manifest lives, relative to the service root.
pub(crate) const PATH: &str = ".securegen/manifest.json";

/// Hashes of the generated files, by path.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// `path` → SHA-256 (hex) of the file as written.
    pub(crate) generated: BTreeMap<String, String>,
}

/// The SHA-256 of `text`, hex.
pub(crate) fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Manifest {
    /// The manifest of the service at `root` (empty when there is none).
    pub(crate) fn load(root: &Path) -> Self {
        std::fs::read_to_string(root.join(PATH)).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
    }

    /// The manifest as written to disk.
    pub(crate) fn to_text(&self) -> String {
        let mut t = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned());
        t.push('\n');
        t
    }
}
