//! `policy check --format sarif`: SARIF 2.1.0 for GitHub code scanning.
//!
//! Only the properties code scanning reads are written: the driver's rules (id, name,
//! descriptions, default level), and per result the rule, level, message and a physical location
//! with a start line (line 1 when the format has none, since code scanning wants a region).

use std::io::Write;

use serde::Serialize;

use crate::policy::PolicyError;
use crate::policy::check::{Finding, Rule};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/oidc-assume/oidc-assume/blob/main/docs/policy.md";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool,
    invocations: Vec<Invocation<'a>>,
    results: Vec<SarifResult<'a>>,
}

/// The run itself: unsuccessful when a file could not be read, with one notification each.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text,
    locations: Vec<NotificationLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation<'a> {
    physical_location: ArtifactOnly<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactOnly<'a> {
    artifact_location: ArtifactLocation<'a>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
}

fn short(summary: &str) -> String {
    summary
        .split(": ")
        .next()
        .unwrap_or(summary)
        .trim_end_matches('.')
        .to_string()
}

/// Writes `findings` of the rules `rule_table` as a SARIF 2.1.0 log; each of `problems` (file, message) becomes an error
/// notification of an unsuccessful invocation.
pub fn write_sarif(
    out: &mut dyn Write,
    rule_table: &[Rule],
    findings: &[Finding],
    problems: &[(String, String)],
) -> Result<(), PolicyError> {
    let rules = rule_table
        .iter()
        .map(|r| ReportingDescriptor {
            id: r.id,
            name: r.name,
            short_description: Text {
                text: short(r.summary),
            },
            full_description: Text {
                text: r.summary.to_string(),
            },
            help_uri: format!("{INFO_URI}#{}", r.id.to_ascii_lowercase()),
            default_configuration: Configuration {
                level: r.severity.as_str(),
            },
        })
        .collect();
    let results = findings
        .iter()
        .map(|f| {
            let mut logical = Vec::new();
            let mut name = f.location.policy.clone().unwrap_or_default();
            if let Some(s) = f.location.statement {
                if !name.is_empty() {
                    name.push('/');
                }
                name.push_str(&format!("Statement[{}]", s - 1));
            }
            if !name.is_empty() {
                logical.push(LogicalLocation {
                    fully_qualified_name: name,
                });
            }
            SarifResult {
                rule_id: f.rule,
                rule_index: rule_table.iter().position(|r| r.id == f.rule).unwrap_or(0),
                level: f.severity.as_str(),
                message: Text {
                    text: format!("{} Fix: {}", f.message, f.fix),
                },
                locations: vec![SarifLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: f.location.file.trim_start_matches("./"),
                        },
                        region: Region {
                            start_line: f.location.line.unwrap_or(1),
                        },
                    },
                    logical_locations: logical,
                }],
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "oidc-assume",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFO_URI,
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: problems.is_empty(),
                tool_execution_notifications: problems
                    .iter()
                    .map(|(file, message)| Notification {
                        level: "error",
                        message: Text {
                            text: format!("not checked: {message}"),
                        },
                        locations: vec![NotificationLocation {
                            physical_location: ArtifactOnly {
                                artifact_location: ArtifactLocation {
                                    uri: file.trim_start_matches("./"),
                                },
                            },
                        }],
                    })
                    .collect(),
            }],
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(|e| PolicyError::Output(e.into()))?;
    writeln!(out).map_err(PolicyError::Output)
}
