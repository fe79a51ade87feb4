//! The Unix implementation: mode bits, owners and `O_NOFOLLOW`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::FileError;

/// The largest profile file read (AWS profile files are a few kilobytes).
pub const MAX_BYTES: u64 = 1024 * 1024;

fn io_error<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> FileError + 'a {
    move |source| FileError::Io {
        what,
        path: path.to_owned(),
        source,
    }
}

/// A file as it was before this run changed it, to put it back.
#[derive(Clone)]
pub struct Existing {
    /// Its text.
    pub text: String,
    mode: u32,
    uid: u32,
    gid: u32,
}

/// Reads `path`; `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<Existing>, FileError> {
    let refused = |why| FileError::Refused {
        path: path.to_owned(),
        why,
    };
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("inspect", path)(e)),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(refused(
                "is a symbolic link; refusing to follow it with credentials",
            ));
        }
        Ok(meta) if !meta.is_file() => return Err(refused("is not a regular file")),
        Ok(_) => {}
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(io_error("open", path))?;
    let meta = file.metadata().map_err(io_error("inspect", path))?;
    if !meta.is_file() {
        return Err(refused("is not a regular file"));
    }
    if meta.len() > MAX_BYTES {
        return Err(refused(
            "is larger than 1 MiB, which no AWS profile file is",
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error("read", path))?;
    let text = String::from_utf8(bytes).map_err(|_| refused("is not UTF-8 text"))?;
    Ok(Some(Existing {
        text,
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
    }))
}

/// Creates `dir` (mode 0700, given to the owner of its parent) unless it is a directory already.
/// Returns whether it was created.
pub fn ensure_directory(dir: &Path) -> Result<bool, FileError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(false),
        Ok(_) => {
            return Err(FileError::Refused {
                path: dir.to_owned(),
                why: "is not a directory",
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error("inspect", dir)(e)),
    }
    let parent = dir.parent().unwrap_or(Path::new("/"));
    let parent_meta = fs::metadata(parent).map_err(io_error("inspect", parent))?;
    fs::create_dir(dir).map_err(io_error("create the directory", dir))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(io_error("set the mode of", dir))?;
    give_away(dir, parent_meta.uid(), parent_meta.gid())?;
    Ok(true)
}

/// Replaces `path` with `text`: mode 0600, owned by the directory's owner.
pub fn replace(path: &Path, text: &str) -> Result<(), FileError> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let meta = fs::metadata(dir).map_err(io_error("inspect", dir))?;
    write_atomically(path, text.as_bytes(), 0o600, meta.uid(), meta.gid())
}

/// Replaces `path` with the program `bytes`: mode 0700, owned by the directory's owner, so only
/// the job's user may run or replace it. Anything but a regular file there is refused.
pub fn replace_program(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(FileError::Refused {
                path: path.to_owned(),
                why: "is not a regular file",
            });
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(io_error("inspect", path)(e));
        }
        _ => {}
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    let meta = fs::metadata(dir).map_err(io_error("inspect", dir))?;
    write_atomically(path, bytes, 0o700, meta.uid(), meta.gid())
}

/// Removes `path` if it is there.
pub fn remove(path: &Path) -> Result<(), FileError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error("remove", path)(e)),
        _ => Ok(()),
    }
}

/// Puts `path` back as it was: the old text, mode and owner, or no file.
pub fn restore(path: &Path, old: Option<&Existing>) -> Result<(), FileError> {
    match old {
        Some(old) => write_atomically(path, old.text.as_bytes(), old.mode, old.uid, old.gid),
        None => remove(path),
    }
}

fn write_atomically(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    uid: u32,
    gid: u32,
) -> Result<(), FileError> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    let name = path
        .file_name()
        .map_or_else(|| "profile".into(), |n| n.to_string_lossy().into_owned());
    let temporary = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&temporary)
            .map_err(io_error("create", &temporary))?;
        file.write_all(bytes)
            .map_err(io_error("write", &temporary))?;
        file.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io_error("set the mode of", &temporary))?;
        give_away_file(&file, &temporary, uid, gid)?;
        file.sync_all().map_err(io_error("sync", &temporary))?;
        fs::rename(&temporary, path).map_err(io_error("rename over", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("sync the directory", dir))
}

/// Gives an open file to `uid:gid` when it is not theirs already. Only root can give a file
/// away; a process that is not root made a file of its own, which is what the job's steps read.
fn give_away_file(file: &File, path: &Path, uid: u32, gid: u32) -> Result<(), FileError> {
    let meta = file.metadata().map_err(io_error("inspect", path))?;
    if meta.uid() != 0 || (meta.uid() == uid && meta.gid() == gid) {
        return Ok(());
    }
    std::os::unix::fs::fchown(file, Some(uid), Some(gid))
        .map_err(io_error("change the owner of", path))
}

fn give_away(path: &Path, uid: u32, gid: u32) -> Result<(), FileError> {
    let file = File::open(path).map_err(io_error("open", path))?;
    give_away_file(&file, path, uid, gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_is_private_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("credentials");
        replace(&path, "[a]\nx = 1\n").expect("written");
        let meta = fs::metadata(&path).expect("exists");
        assert_eq!(meta.mode() & 0o777, 0o600);
        assert_eq!(fs::read_to_string(&path).expect("text"), "[a]\nx = 1\n");
        assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 1);
    }

    #[test]
    fn restore_puts_back_text_and_mode_or_removes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config");
        fs::write(&path, "old\n").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("mode");
        let old = read(&path).expect("read").expect("exists");
        replace(&path, "new\n").expect("replaced");
        restore(&path, Some(&old)).expect("restored");
        assert_eq!(fs::read_to_string(&path).expect("text"), "old\n");
        assert_eq!(fs::metadata(&path).expect("meta").mode() & 0o777, 0o640);
        restore(&path, None).expect("removed");
        assert!(!path.exists());
        restore(&path, None).expect("removing nothing is fine");
    }

    #[test]
    fn links_other_files_large_and_binary_files_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("target");
        fs::write(&target, "[a]\n").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let large = dir.path().join("large");
        fs::write(&large, vec![b'#'; MAX_BYTES as usize + 1]).expect("write");
        let binary = dir.path().join("binary");
        fs::write(&binary, [0xff, 0xfe]).expect("write");
        for (path, why) in [
            (&link, "symbolic link"),
            (&large, "larger than 1 MiB"),
            (&binary, "not UTF-8"),
            (&dir.path().to_path_buf(), "not a regular file"),
        ] {
            let error = read(path).err().expect("refused");
            assert!(error.to_string().contains(why), "{error}");
        }
        assert!(
            read(&dir.path().join("missing"))
                .expect("no error")
                .is_none()
        );
        assert_eq!(read(&target).expect("read").expect("exists").text, "[a]\n");
    }

    #[test]
    fn a_created_directory_is_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let created = dir.path().join("oidc-assume-aws");
        assert!(ensure_directory(&created).expect("created"));
        assert_eq!(fs::metadata(&created).expect("meta").mode() & 0o777, 0o700);
        assert!(!ensure_directory(&created).expect("there already"));
        let file = dir.path().join("file");
        fs::write(&file, "").expect("write");
        assert!(ensure_directory(&file).is_err());
    }

    #[test]
    fn as_root_files_and_directories_go_to_the_directory_owner() {
        let dir = tempfile::tempdir().expect("temp dir");
        let probe = dir.path().join("probe");
        fs::write(&probe, "").expect("write");
        if fs::metadata(&probe).expect("meta").uid() != 0 {
            // Only root can give files away; the container action runs as root.
            return;
        }
        std::os::unix::fs::chown(dir.path(), Some(4242), Some(4343)).expect("chown");
        let created = dir.path().join("oidc-assume-aws");
        ensure_directory(&created).expect("created");
        let meta = fs::metadata(&created).expect("meta");
        assert_eq!((meta.uid(), meta.gid()), (4242, 4343));
        let path = created.join("config");
        replace(&path, "[default]\n").expect("written");
        let meta = fs::metadata(&path).expect("meta");
        assert_eq!((meta.uid(), meta.gid()), (4242, 4343));
    }
}
