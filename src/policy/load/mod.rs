//! Loading trust policies from files: IAM JSON documents, `aws iam get-role` output and
//! Terraform configurations.
//!
//! A directory stands for the `*.tf` files directly inside it (one Terraform module). All the
//! `.tf` files of one directory are read together, so a role in `main.tf` can refer to an OIDC
//! provider or a variable declared in another file.

mod duplicates;
mod json;
mod terraform;
mod tfvalue;

use std::path::{Path, PathBuf};

use crate::policy::PolicyError;
use crate::policy::model::PolicyDocument;

pub use duplicates::DuplicateName;
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
    /// Names given twice in one JSON object of the document: it is ambiguous.
    pub duplicates: Vec<DuplicateName>,
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

/// What one argument stands for; `.tf` files of one directory share a module.
enum Unit {
    Stdin,
    Json(PathBuf),
    Module(PathBuf, Vec<PathBuf>),
}

fn add_tf(units: &mut Vec<Unit>, file: PathBuf) {
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    for unit in units.iter_mut() {
        if let Unit::Module(d, files) = unit
            && *d == dir
        {
            if !files.contains(&file) {
                files.push(file);
            }
            return;
        }
    }
    units.push(Unit::Module(dir, vec![file]));
}

/// Loads every policy from the given paths (files or directories), in the order given; `-`
/// reads `stdin_text`.
pub fn load_paths(
    paths: &[PathBuf],
    stdin_text: &mut dyn FnMut() -> Result<String, PolicyError>,
) -> Result<Vec<LoadedPolicy>, PolicyError> {
    let mut units: Vec<Unit> = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            units.push(Unit::Stdin);
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
                add_tf(&mut units, f);
            }
        } else if is_tf(path) {
            add_tf(&mut units, path.clone());
        } else {
            units.push(Unit::Json(path.clone()));
        }
    }
    let mut out = Vec::new();
    for unit in units {
        match unit {
            Unit::Stdin => out.extend(load_json_text("-", &stdin_text()?)?),
            Unit::Json(path) => {
                out.extend(load_json_text(&path.display().to_string(), &read(&path)?)?)
            }
            Unit::Module(dir, files) => {
                let mut texts = Vec::with_capacity(files.len());
                for f in &files {
                    texts.push((f.display().to_string(), read(f)?));
                }
                out.extend(load_terraform_texts(&dir, &texts)?);
            }
        }
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
