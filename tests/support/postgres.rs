//! A throwaway PostgreSQL server for a test: `initdb` in a temporary directory, `pg_ctl
//! start` on a free loopback port, `pg_ctl stop` when dropped. As root (PostgreSQL refuses
//! to run as root) the server runs as the `postgres` user, through `runuser`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running server; stopped (and its directory removed) on drop.
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

/// The directory holding `initdb` and `pg_ctl`: on the `PATH`, else Debian's
/// `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> Option<PathBuf> {
    let on_path = Command::new("pg_ctl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if on_path {
        let which = Command::new("sh")
            .args(["-c", "command -v pg_ctl"])
            .output()
            .ok()?;
        let path = PathBuf::from(String::from_utf8(which.stdout).ok()?.trim());
        return Some(std::fs::canonicalize(path).ok()?.parent()?.to_path_buf());
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// Runs a PostgreSQL program, as `postgres` when we are root.
fn command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(bin.join(program));
        command
    } else {
        Command::new(bin.join(program))
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl Postgres {
    /// Starts a server, or returns `None` (after [`super::skip`]) if PostgreSQL is not
    /// installed.
    #[track_caller]
    pub fn start() -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            super::skip("PostgreSQL (initdb, pg_ctl) not found; apt-get install -y postgresql");
            return None;
        };
        let root = is_root();
        let dir = std::env::temp_dir().join(format!("evloop-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // From here on, a panic stops the server (if it started) and removes the directory.
        let mut server = Postgres {
            dir: dir.clone(),
            bin: bin.clone(),
            port: 0,
        };
        if root {
            let user = Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .unwrap();
            let uid: u32 = String::from_utf8(user.stdout)
                .unwrap()
                .trim()
                .parse()
                .expect("root needs a `postgres` user to run PostgreSQL as");
            std::os::unix::fs::chown(&dir, Some(uid), None).unwrap();
        }
        let data = dir.join("data");
        let status = command(&bin, "initdb", root)
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .status()
            .expect("run initdb");
        assert!(status.success(), "initdb failed");
        server.port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            server.port,
            dir.display()
        );
        let status = command(&bin, "pg_ctl", root)
            .args(["-w", "-t", "60", "-o", &options, "-l"])
            .arg(dir.join("log"))
            .arg("-D")
            .arg(&data)
            .arg("start")
            .stdout(Stdio::null())
            .status()
            .expect("run pg_ctl");
        if !status.success() {
            let log = std::fs::read_to_string(server.dir.join("log")).unwrap_or_default();
            panic!("pg_ctl start failed:\n{log}");
        }
        Some(server)
    }

    /// A connection string for tokio-postgres / libpq.
    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = command(&self.bin, "pg_ctl", is_root())
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
