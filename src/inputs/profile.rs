//! `aws-profile` and `overwrite-aws-profile`: which profile to write, and where the AWS config and
//! credentials files are, both as this process sees them and as the job's later steps do.
//!
//! Outside a container (the native form, the local run) the two views are the same and the files
//! go to `RUNNER_TEMP/oidc-assume-aws/`. Inside the container action they differ: the image sets
//! `OIDC_ASSUME_RUNNER_MOUNTS=/github`, the root of the runner's mounts, and the later steps run on
//! the host. The runner mounts `WORK/_temp` at `/github/runner_temp` (current runners) and
//! `WORK/_temp/_github_home` at `/github/home` (every runner), and passes `RUNNER_WORKSPACE`
//! (`WORK/REPO`) untranslated, while `RUNNER_TEMP` arrives translated or not depending on the
//! runner's version (actions/runner `ContainerActionHandler`, `DockerCommandManager`). So the host
//! directory is an untranslated `RUNNER_TEMP`, else `dirname(RUNNER_WORKSPACE)/_temp`; the files
//! are written through `/github/runner_temp` when it is mounted, else through `/github/home`.
//! When no host path can be established the run stops before any call, writing nothing.
//!
//! A later invocation receives `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` from the first
//! (translated by the runner when they lie under a mount): it adds its profile to those files and
//! exports nothing again. Inside the container such a path must lie on a mount the host shares,
//! or the profile would be written into the container and lost.

use std::path::{Path, PathBuf};

use super::non_empty;
use super::reader::Reader;
use super::refresh::DEFAULT_REFRESH_PROFILE;

/// The variable the image sets to the root of the runner's mounts (`/github`).
pub const RUNNER_MOUNTS_VARIABLE: &str = "OIDC_ASSUME_RUNNER_MOUNTS";
/// The directory, under the runner's temporary directory, that holds the files this action makes.
pub const PROFILE_DIRECTORY: &str = "oidc-assume-aws";

/// The mounts under `/github` whose files the host sees (`/github/file_commands` holds only the
/// runner's own files).
const SHARED_MOUNTS: [&str; 4] = ["workspace", "runner_temp", "home", "workflow"];

/// The profile to write and its two files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileTarget {
    /// `aws-profile`.
    pub name: String,
    /// `overwrite-aws-profile`: replace every section of that name.
    pub overwrite: bool,
    /// The AWS config file (`region`).
    pub config: ProfileFile,
    /// The AWS shared credentials file (the keys).
    pub credentials: ProfileFile,
}

/// One of the two files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFile {
    /// Where this process writes it.
    pub path: PathBuf,
    /// The path the later steps use, to export; `None` when it was handed in (already exported).
    pub export: Option<String>,
}

/// The characters a profile name may have: those the AWS SDKs' profile parser accepts in a
/// section name (`validate_identifier` in aws-runtime's `env_config/normalize.rs`), less `/`,
/// which `aws-actions/configure-aws-credentials` refuses. Other characters that action accepts
/// (`#`, `;`, `=`, quotes, non-ASCII) start a comment or are dropped by the SDKs' parsers, so
/// the profile written would not be the one named.
fn profile_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%' | '@' | ':' | '+')
}

const MAX_PROFILE_NAME_CHARS: usize = 128;

/// Why profiles are refused on Windows: the files hold keys or start a program, and there a
/// new file takes its directory's access list; no mode 0600, owner or `O_NOFOLLOW` exists to
/// keep them to the job's user, and this build does not replace access lists.
pub const WINDOWS_PROFILES: &str = "is not supported on Windows runners: the AWS profile files cannot be made private to the job's user there; use the AWS_* variables this action exports (leave `aws-profile` and `refresh-credentials` unset), or a Linux or macOS runner";

impl Reader<'_> {
    /// Reads `aws-profile` and `overwrite-aws-profile`; `None` without a profile. With
    /// `refresh-credentials` there is always one: [`DEFAULT_REFRESH_PROFILE`] when unnamed.
    pub(super) fn profile(&mut self, refresh: bool) -> Option<ProfileTarget> {
        let overwrite = self.boolean("overwrite-aws-profile", false);
        let name = self
            .input("aws-profile")
            .or(refresh.then_some(DEFAULT_REFRESH_PROFILE));
        let Some(name) = name else {
            if overwrite {
                self.problem(
                    "overwrite-aws-profile",
                    "has no effect without `aws-profile`: set the profile to write, or remove it",
                );
            }
            return None;
        };
        if cfg!(windows) {
            let input = if refresh {
                "refresh-credentials"
            } else {
                "aws-profile"
            };
            self.problem(input, WINDOWS_PROFILES);
            return None;
        }
        if name.chars().count() > MAX_PROFILE_NAME_CHARS || !name.chars().all(profile_name_char) {
            self.problem(
                "aws-profile",
                format!(
                    "must be 1-{MAX_PROFILE_NAME_CHARS} characters of letters, digits and `_-.%@:+`, e.g. `aws-profile: state`"
                ),
            );
            return None;
        }
        let directory = self.profile_directory();
        let config = self.profile_file("AWS_CONFIG_FILE", "config", directory.as_ref());
        let credentials = self.profile_file(
            "AWS_SHARED_CREDENTIALS_FILE",
            "credentials",
            directory.as_ref(),
        );
        Some(ProfileTarget {
            name: name.to_owned(),
            overwrite,
            config: config?,
            credentials: credentials?,
        })
    }

    /// One file: the handed-in path, or `FILE` in the action's own directory.
    fn profile_file(
        &mut self,
        variable: &str,
        file: &str,
        directory: Option<&Result<Directory, String>>,
    ) -> Option<ProfileFile> {
        if let Some(given) = non_empty(self.env, variable) {
            let path = Path::new(given);
            if !path.is_absolute() {
                self.problem(
                    variable,
                    format!(
                        "is `{given}`; with `aws-profile` it must be an absolute path, or unset"
                    ),
                );
                return None;
            }
            if let Some(mounts) = self.runner_mounts()
                && !SHARED_MOUNTS
                    .iter()
                    .any(|mount| path.starts_with(mounts.join(mount)))
            {
                self.problem(
                    variable,
                    format!(
                        "is `{given}`, which the later steps cannot see from this container: unset it, or point it under the workspace or RUNNER_TEMP"
                    ),
                );
                return None;
            }
            return Some(ProfileFile {
                path: path.to_owned(),
                export: None,
            });
        }
        match directory? {
            Ok(directory) => Some(ProfileFile {
                path: directory.here.join(file),
                export: Some(format!("{}/{file}", directory.host)),
            }),
            Err(why) => {
                self.problem("aws-profile", why.clone());
                None
            }
        }
    }

    /// The root of the runner's mounts when this process runs in the container action.
    pub(super) fn runner_mounts(&self) -> Option<PathBuf> {
        non_empty(self.env, RUNNER_MOUNTS_VARIABLE).map(PathBuf::from)
    }

    /// The action's directory for the profile files, read only when one of the files needs it.
    fn profile_directory(&self) -> Option<Result<Directory, String>> {
        let handed_in = ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]
            .iter()
            .all(|name| non_empty(self.env, name).is_some());
        if handed_in {
            return None;
        }
        Some(self.action_directory())
    }

    /// The action's directory under the runner's temporary directory, for the profile files and
    /// the copy of the binary `refresh-credentials` makes.
    pub(super) fn action_directory(&self) -> Result<Directory, String> {
        let runner_temp = non_empty(self.env, "RUNNER_TEMP").filter(|t| Path::new(t).is_absolute());
        let Some(mounts) = self.runner_mounts() else {
            return match runner_temp {
                Some(temp) => Ok(Directory {
                    here: Path::new(temp).join(PROFILE_DIRECTORY),
                    host: format!("{}/{PROFILE_DIRECTORY}", temp.trim_end_matches('/')),
                }),
                None => Err(
                    "needs RUNNER_TEMP, an absolute path, to write the profile files to: the runner sets it for every step".to_owned(),
                ),
            };
        };
        container_directory(
            &mounts,
            runner_temp,
            non_empty(self.env, "RUNNER_WORKSPACE"),
        )
    }
}

/// Where the profile files go: as this process sees it, and as the host does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Directory {
    pub(super) here: PathBuf,
    pub(super) host: String,
}

/// The container's rule: the host's temporary directory from an untranslated `RUNNER_TEMP` or
/// from `RUNNER_WORKSPACE`, written through `runner_temp` when mounted, else through `home`.
fn container_directory(
    mounts: &Path,
    runner_temp: Option<&str>,
    runner_workspace: Option<&str>,
) -> Result<Directory, String> {
    let untranslated =
        |value: &&str| value.starts_with('/') && !Path::new(value).starts_with(mounts);
    let host_temp = runner_temp
        .filter(untranslated)
        .map(|temp| temp.trim_end_matches('/').to_owned())
        .or_else(|| {
            runner_workspace
                .filter(untranslated)
                .and_then(|workspace| Path::new(workspace).parent())
                .filter(|work| work.parent().is_some())
                .map(|work| format!("{}/_temp", work.display()))
        });
    let Some(host_temp) = host_temp else {
        return Err(
            "cannot tell the host path of the runner's temporary directory (RUNNER_TEMP is translated and RUNNER_WORKSPACE is missing), so the later steps could not find the profile: nothing was written".to_owned(),
        );
    };
    let runner_temp_mount = mounts.join("runner_temp");
    let home_mount = mounts.join("home");
    if runner_temp_mount.is_dir() {
        Ok(Directory {
            here: runner_temp_mount.join(PROFILE_DIRECTORY),
            host: format!("{host_temp}/{PROFILE_DIRECTORY}"),
        })
    } else if home_mount.is_dir() {
        Ok(Directory {
            here: home_mount.join(PROFILE_DIRECTORY),
            host: format!("{host_temp}/_github_home/{PROFILE_DIRECTORY}"),
        })
    } else {
        Err(format!(
            "neither {} nor {} is mounted, so the later steps could not see the profile: nothing was written",
            runner_temp_mount.display(),
            home_mount.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounts(with_runner_temp: bool) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join("home")).expect("home");
        if with_runner_temp {
            std::fs::create_dir(root.path().join("runner_temp")).expect("runner_temp");
        }
        root
    }

    #[test]
    fn names_are_what_the_sdk_parser_keeps() {
        for good in ["state", "dev_1", "a.b-c", "x%y@z:w+v", "default"] {
            assert!(good.chars().all(profile_name_char), "{good}");
        }
        for bad in [
            "a b", "a/b", "a#b", "a;b", "a=b", "a\"b", "é", "[x]", "a\tb",
        ] {
            assert!(!bad.chars().all(profile_name_char), "{bad}");
        }
    }

    #[test]
    fn a_translated_runner_temp_is_found_from_the_workspace() {
        let root = mounts(true);
        let mounts = root.path();
        let translated = mounts.join("runner_temp");
        let got = container_directory(
            mounts,
            Some(translated.to_str().expect("UTF-8")),
            Some("/home/runner/work/repo"),
        )
        .expect("a directory");
        assert_eq!(got.here, mounts.join("runner_temp/oidc-assume-aws"));
        assert_eq!(got.host, "/home/runner/work/_temp/oidc-assume-aws");
    }

    #[test]
    fn an_untranslated_runner_temp_is_the_host_path() {
        let root = mounts(true);
        let got = container_directory(
            root.path(),
            Some("/srv/w/_temp/"),
            Some("/home/runner/work/repo"),
        )
        .expect("a directory");
        assert_eq!(got.host, "/srv/w/_temp/oidc-assume-aws");
    }

    #[test]
    fn without_the_runner_temp_mount_the_files_go_through_home() {
        let root = mounts(false);
        let got = container_directory(root.path(), Some("/home/runner/work/_temp"), None)
            .expect("a directory");
        assert_eq!(got.here, root.path().join("home/oidc-assume-aws"));
        assert_eq!(
            got.host,
            "/home/runner/work/_temp/_github_home/oidc-assume-aws"
        );
    }

    #[test]
    fn no_host_path_is_an_error() {
        let root = mounts(true);
        let translated = root.path().join("runner_temp");
        let translated = translated.to_str().expect("UTF-8");
        for (temp, workspace) in [
            (Some(translated), None),
            (None, None),
            (None, Some("relative/repo")),
            (None, Some("/")),
        ] {
            let got = container_directory(root.path(), temp, workspace);
            assert!(
                got.as_ref().is_err_and(|e| e.contains("host path")),
                "{temp:?} {workspace:?}: {got:?}"
            );
        }
        let bare = tempfile::tempdir().expect("temp dir");
        let got = container_directory(bare.path(), Some("/w/_temp"), None);
        assert!(got.is_err_and(|e| e.contains("is mounted")));
    }
}
