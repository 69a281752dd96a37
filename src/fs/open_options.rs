//! `OpenOptions`: how a [`File`] is opened (mirrors [`std::fs::OpenOptions`]).

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::File;

/// How to open a [`File`]: read, write, append, truncate, create; the asynchronous face of
/// [`std::fs::OpenOptions`].
///
/// # Examples
///
/// ```
/// use futures_util::AsyncWriteExt;
/// evloop::run(async {
///     let path = std::env::temp_dir().join(format!("evloop-log-{}", std::process::id()));
///     for line in ["one\n", "two\n"] {
///         let mut log = evloop::fs::OpenOptions::new().create(true).append(true).open(&path).await?;
///         log.write_all(line.as_bytes()).await?;
///         log.flush().await?;
///     }
///     assert_eq!(evloop::fs::read_to_string(&path).await?, "one\ntwo\n");
///     evloop::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Options with every flag off (set at least `read`, `write` or `append`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let file = evloop::fs::OpenOptions::new().read(true).open("Cargo.toml").await;
    ///     assert!(file.is_ok());
    /// });
    /// ```
    pub fn new() -> Self {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Opens for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = evloop::fs::OpenOptions::new().read(true).clone();
    /// # let _ = options;
    /// ```
    pub fn read(&mut self, read: bool) -> &mut Self {
        self.0.read(read);
        self
    }

    /// Opens for writing (from the start, overwriting, unless `append` or `truncate`).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = evloop::fs::OpenOptions::new().write(true).clone();
    /// # let _ = options;
    /// ```
    pub fn write(&mut self, write: bool) -> &mut Self {
        self.0.write(write);
        self
    }

    /// Opens for appending: every write goes to the end of the file.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = evloop::fs::OpenOptions::new().append(true).create(true).clone();
    /// # let _ = options;
    /// ```
    pub fn append(&mut self, append: bool) -> &mut Self {
        self.0.append(append);
        self
    }

    /// Truncates the file to 0 bytes when it is opened (needs `write`).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = evloop::fs::OpenOptions::new().write(true).truncate(true).clone();
    /// # let _ = options;
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut Self {
        self.0.truncate(truncate);
        self
    }

    /// Creates the file if it does not exist (needs `write` or `append`).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = evloop::fs::OpenOptions::new().write(true).create(true).clone();
    /// # let _ = options;
    /// ```
    pub fn create(&mut self, create: bool) -> &mut Self {
        self.0.create(create);
        self
    }

    /// Creates the file, failing with `AlreadyExists` if it exists (atomic `O_EXCL`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let err = evloop::fs::OpenOptions::new().write(true).create_new(true).open("Cargo.toml").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    /// });
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut Self {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits a created file gets (before the umask); `0o666` by default.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = evloop::fs::OpenOptions::new().write(true).create(true).mode(0o600).clone();
    /// # let _ = options;
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.0.mode(mode);
        self
    }

    /// Extra `open(2)` flags, such as `libc::O_NOFOLLOW` or `O_DIRECT`.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = evloop::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).clone();
    /// # let _ = options;
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut Self {
        self.0.custom_flags(flags);
        self
    }

    /// Opens the file at `path` with these options, off the loop.
    ///
    /// # Errors
    ///
    /// Any error of [`std::fs::OpenOptions::open`]: not found, permission denied, invalid
    /// combination of flags (`InvalidInput`), ...
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let err = evloop::fs::OpenOptions::new().read(true).open("no/such/file").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let (options, path) = (self.0.clone(), path.as_ref().to_owned());
        let std = super::run(move || options.open(path)).await?;
        Ok(File::from_std(std))
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}
