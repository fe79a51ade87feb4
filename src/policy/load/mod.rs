//! Loading trust policies from files: IAM JSON documents, `aws iam get-role` output and
//! Terraform configurations.
//!
//! A directory stands for the `*.tf` files directly inside it (one Terraform module). All the
//! `.tf` files of one directory are read together, so a role in `main.tf` can refer to an OIDC
//! provider or a variable declared in another file.

mod duplicates;
mod json;
mod merge;
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
    /// What the loader could not resolve (Terraform expressions and constructs), to tell the user.
    pub notes: Vec<Note>,
    /// Names given twice in one JSON object of the document: it is ambiguous.
    pub duplicates: Vec<DuplicateName>,
    /// What the file says the document is, where it says so.
    pub kind: PolicyKind,
}

/// What a loaded document is, as its source says: `aws iam get-role` output and
/// `assume_role_policy` hold trust policies; `get-role-policy`, `get-policy-version`,
/// `get-account-authorization-details` output, `aws_iam_role_policy` and `aws_iam_policy` hold
/// permissions policies. A plain document or a `data "aws_iam_policy_document"` could be either.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PolicyKind {
    /// Not said: a trust policy when a statement names a principal.
    #[default]
    Unknown,
    /// A role's trust policy.
    Trust,
    /// A permissions policy.
    Permissions,
}

impl LoadedPolicy {
    /// False when the loader left something unresolved in a trust policy (a permissions policy
    /// is not judged at all).
    pub fn fully_judged(&self) -> bool {
        self.notes.is_empty() || !self.is_trust()
    }

    /// True for a trust policy: said so by its source, or, unsaid, a document with a principal
    /// or with no statement at all (nothing to tell it by).
    pub fn is_trust(&self) -> bool {
        match self.kind {
            PolicyKind::Trust => true,
            PolicyKind::Permissions => false,
            PolicyKind::Unknown => self.has_principal() || self.document.statements.is_empty(),
        }
    }

    /// True for a permissions policy: said so by its source, or, unsaid, a document whose
    /// statements name no principal.
    pub fn is_permissions(&self) -> bool {
        match self.kind {
            PolicyKind::Trust => false,
            PolicyKind::Permissions => true,
            PolicyKind::Unknown => !self.has_principal() && !self.document.statements.is_empty(),
        }
    }

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

/// Something the loader could not resolve, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// What, for a person.
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// A managed policy attached to the role whose document the input does not hold, which
    /// `policy permissions` resolves when it ships the document.
    pub attached: Option<Attached>,
    /// True for an interpolation of the deploying account's own partition, account id or
    /// region (see [`is_deployment_value`]), which `policy permissions` takes to match any value.
    pub deployment_value: bool,
}

/// True for a Terraform expression that stands for the deploying account's partition, account
/// id or region: `data.aws_partition.NAME.partition`, `data.aws_caller_identity.NAME.account_id`,
/// `data.aws_region.NAME.name` (or `.region`, `.id`). Its value is known only at plan time.
pub fn is_deployment_value(src: &str) -> bool {
    let parts: Vec<&str> = src.trim().split('.').collect();
    matches!(
        parts.as_slice(),
        ["data", "aws_partition", _, "partition"]
            | ["data", "aws_caller_identity", _, "account_id"]
            | ["data", "aws_region", _, "name" | "region" | "id"]
    )
}

/// A managed policy attached to a role, by its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The policy's ARN.
    pub arn: String,
    /// What attaches it: `role NAME`, `aws_iam_role_policy_attachment.NAME`, ...
    pub by: String,
}

impl Note {
    /// A note without a line of its own.
    pub fn new(message: impl Into<String>) -> Note {
        Note::at(None, message)
    }

    /// A note at `line`.
    pub fn at(line: Option<usize>, message: impl Into<String>) -> Note {
        Note {
            message: message.into(),
            line,
            attached: None,
            deployment_value: false,
        }
    }

    /// The managed policy `arn`, attached by `by` (at `line`), whose document the input does
    /// not hold.
    pub fn attached(line: Option<usize>, by: &str, arn: &str) -> Note {
        Note {
            attached: Some(Attached {
                arn: arn.to_owned(),
                by: by.to_owned(),
            }),
            ..Note::at(
                line,
                format!(
                    "{by} has the managed policy {arn} attached, whose document the input does not hold: it is not judged"
                ),
            )
        }
    }
}

/// The policies found under one argument (a file, a Terraform module or standard input), or
/// why they could not be read.
#[derive(Debug)]
pub struct LoadedFile {
    /// The file or directory, as given.
    pub file: String,
    /// Its policies, or the problem.
    pub result: Result<Vec<LoadedPolicy>, PolicyError>,
}

/// Loads every policy from the given paths (files or directories), in the order given; `-`
/// reads `stdin_text`. One unusable path does not stop the others: each unit carries its own
/// result.
pub fn load_each(
    paths: &[PathBuf],
    stdin_text: &mut dyn FnMut() -> Result<String, PolicyError>,
) -> Vec<LoadedFile> {
    let mut units: Vec<Unit> = Vec::new();
    let mut out = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        if path.as_os_str() == "-" {
            units.push(Unit::Stdin);
        } else if path.is_dir() {
            let entries = match std::fs::read_dir(path) {
                Ok(entries) => entries,
                Err(source) => {
                    let file = name.clone();
                    out.push(LoadedFile {
                        file: name,
                        result: Err(PolicyError::Read { file, source }),
                    });
                    continue;
                }
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_tf(p) && p.is_file())
                .collect();
            files.sort();
            if files.is_empty() {
                out.push(LoadedFile {
                    result: Err(PolicyError::EmptyDirectory { dir: name.clone() }),
                    file: name,
                });
                continue;
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
    for unit in units {
        let (file, result) = match unit {
            Unit::Stdin => (
                "-".to_string(),
                stdin_text().and_then(|text| load_json_text("-", &text)),
            ),
            Unit::Json(path) => {
                let file = path.display().to_string();
                let result = read(&path).and_then(|text| load_json_text(&file, &text));
                (file, result)
            }
            Unit::Module(dir, files) => {
                let texts: Result<Vec<(String, String)>, PolicyError> = files
                    .iter()
                    .map(|f| read(f).map(|text| (f.display().to_string(), text)))
                    .collect();
                let result = texts.and_then(|texts| load_terraform_texts(&dir, &texts));
                (dir.display().to_string(), result)
            }
        };
        out.push(LoadedFile { file, result });
    }
    out
}

/// Loads every policy from the given paths, or fails with the first problem.
pub fn load_paths(
    paths: &[PathBuf],
    stdin_text: &mut dyn FnMut() -> Result<String, PolicyError>,
) -> Result<Vec<LoadedPolicy>, PolicyError> {
    let mut out = Vec::new();
    for loaded in load_each(paths, stdin_text) {
        out.extend(loaded.result?);
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
