//! Loading trust policies from files: IAM JSON documents, `aws iam get-role` output and
//! Terraform configurations.
//!
//! A directory stands for the `*.tf` files directly inside it (one Terraform module). All the
//! `.tf` files of one directory are read together, so a role in `main.tf` can refer to an OIDC
//! provider or a variable declared in another file.

mod json;
mod terraform;
mod tfvalue;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::policy::PolicyError;
use crate::policy::model::PolicyDocument;

pub use json::load_json_text;
pub use terraform::load_terraform_texts;

/// One policy document found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPolicy {
    /// The file, as given on the command line.
    pub file: String,
    /// Where in the file, for files that hold several (`data.aws_iam_policy_document.trust`,
    /// `aws_iam_role.plan`, `role/NAME`); `None` for a plain policy document.
    pub name: Option<String>,
    /// The document.
    pub document: PolicyDocument,
    /// What the loader could not resolve (Terraform expressions), to tell the user.
    pub notes: Vec<String>,
}

impl LoadedPolicy {
    /// True when some statement names a principal: a trust (resource) policy, not a permissions
    /// policy.
    pub fn has_principal(&self) -> bool {
        self.document
            .statements
            .iter()
            .any(|s| s.principal.is_some())
    }
}

fn read(path: &Path) -> Result<String, PolicyError> {
    std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
        file: path.display().to_string(),
        source,
    })
}

fn is_tf(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tf")
}

/// Loads every policy from the given paths (files or directories); `-` reads `stdin_text`.
pub fn load_paths(
    paths: &[PathBuf],
    stdin_text: &mut dyn FnMut() -> Result<String, PolicyError>,
) -> Result<Vec<LoadedPolicy>, PolicyError> {
    let mut out = Vec::new();
    // Terraform files grouped by directory, in the order the directories were first named.
    let mut modules: BTreeMap<usize, (PathBuf, Vec<PathBuf>)> = BTreeMap::new();
    let mut order: Vec<PathBuf> = Vec::new();
    let mut add_tf = |file: PathBuf, modules: &mut BTreeMap<usize, (PathBuf, Vec<PathBuf>)>| {
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let idx = match order.iter().position(|d| *d == dir) {
            Some(i) => i,
            None => {
                order.push(dir.clone());
                order.len() - 1
            }
        };
        let entry = modules.entry(idx).or_insert_with(|| (dir, Vec::new()));
        if !entry.1.contains(&file) {
            entry.1.push(file);
        }
    };
    for path in paths {
        if path.as_os_str() == "-" {
            let text = stdin_text()?;
            out.extend(load_json_text("-", &text)?);
        } else if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| PolicyError::Read {
                file: path.display().to_string(),
                source,
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_tf(p) && p.is_file())
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(PolicyError::EmptyDirectory {
                    dir: path.display().to_string(),
                });
            }
            for f in files {
                add_tf(f, &mut modules);
            }
        } else if is_tf(path) {
            add_tf(path.clone(), &mut modules);
        } else {
            let text = read(path)?;
            out.extend(load_json_text(&path.display().to_string(), &text)?);
        }
    }
    for (_, (dir, files)) in modules {
        let mut texts = Vec::with_capacity(files.len());
        for f in &files {
            texts.push((f.display().to_string(), read(f)?));
        }
        out.extend(load_terraform_texts(&dir, &texts)?);
    }
    Ok(out)
}

/// 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
