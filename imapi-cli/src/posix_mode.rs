//! POSIX file types and modes as `ls` shows them, for entries read through Rock Ridge (and
//! the read-only defaults of the other trees).

use imapi_joliet::read::{Entry, FileType};

/// The `TYPE` column: `d`, `f`, and from Rock Ridge `l` (symbolic link), `c`/`b` (character
/// and block devices), `p` (FIFO), `s` (socket).
pub fn type_letter(entry: &Entry<'_>) -> &'static str {
    match entry.file_type() {
        FileType::Directory => "d",
        FileType::Symlink => "l",
        FileType::CharDevice => "c",
        FileType::BlockDevice => "b",
        FileType::Fifo => "p",
        FileType::Socket => "s",
        FileType::Regular | FileType::Unknown => "f",
    }
}

/// The entry's mode: Rock Ridge's, else `r-xr-xr-x` for directories and `r--r--r--` for
/// files, as a reader without Rock Ridge shows them.
pub fn mode_of(entry: &Entry<'_>) -> u32 {
    match entry.rock_ridge().and_then(|rr| rr.mode) {
        Some(m) => m,
        None if entry.is_dir() => 0o040555,
        None => 0o100444,
    }
}

/// `drwxr-xr-x`: the type letter and the nine permission letters, with set-id and sticky
/// bits as `s`/`S` and `t`/`T`.
pub fn mode_string(file_type: FileType, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(match file_type {
        FileType::Regular => '-',
        other => other.letter(),
    });
    let bit = |b: u32| mode & b != 0;
    for (shift, special, lower, upper) in
        [(6, 0o4000, 's', 'S'), (3, 0o2000, 's', 'S'), (0, 0o1000, 't', 'T')]
    {
        s.push(if bit(0o4 << shift) { 'r' } else { '-' });
        s.push(if bit(0o2 << shift) { 'w' } else { '-' });
        s.push(match (bit(0o1 << shift), bit(special)) {
            (true, true) => lower,
            (false, true) => upper,
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_strings_show_type_permissions_and_special_bits() {
        assert_eq!(mode_string(FileType::Directory, 0o040755), "drwxr-xr-x");
        assert_eq!(mode_string(FileType::Regular, 0o100640), "-rw-r-----");
        assert_eq!(mode_string(FileType::Symlink, 0o120777), "lrwxrwxrwx");
        assert_eq!(mode_string(FileType::Regular, 0o104755), "-rwsr-xr-x");
        assert_eq!(mode_string(FileType::Regular, 0o102644), "-rw-r-Sr--");
        assert_eq!(mode_string(FileType::Directory, 0o041777), "drwxrwxrwt");
        assert_eq!(mode_string(FileType::Fifo, 0o010600), "prw-------");
        assert_eq!(mode_string(FileType::CharDevice, 0o020660), "crw-rw----");
    }
}
