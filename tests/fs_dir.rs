//! `evloop::fs::read_dir`: every entry once, across batches; types and metadata.

mod support;

use std::collections::BTreeSet;
use std::io::ErrorKind;

use futures_lite::StreamExt;

#[test]
fn read_dir_lists_every_entry_once_across_batches() {
    let dir = std::env::temp_dir().join(format!("evloop-readdir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let count = support::scaled(100); // more than three batches of 32
    for i in 0..count {
        std::fs::write(dir.join(format!("file-{i:03}")), i.to_string()).unwrap();
    }
    support::run(async {
        let mut entries = evloop::fs::read_dir(&dir).await.unwrap();
        let mut names = BTreeSet::new();
        let mut dirs = 0;
        while let Some(entry) = entries.next().await {
            let entry = entry.unwrap();
            assert_eq!(entry.path(), dir.join(entry.file_name()));
            if entry.file_type().await.unwrap().is_dir() {
                dirs += 1;
            } else {
                let len = entry.metadata().await.unwrap().len();
                let name = entry.file_name().into_string().unwrap();
                let number: usize = name["file-".len()..].parse().unwrap();
                assert_eq!(len, number.to_string().len() as u64);
            }
            assert!(names.insert(entry.file_name()), "listed twice");
        }
        assert_eq!(names.len(), count + 1);
        assert_eq!(dirs, 1);
        // Finished streams stay finished.
        assert!(entries.next().await.is_none());
        assert!(entries.next_entry().await.unwrap().is_none());
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn read_dir_of_a_missing_or_non_directory_path_is_an_error() {
    support::run(async {
        let err = evloop::fs::read_dir("no/such/dir").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = evloop::fs::read_dir("Cargo.toml").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotADirectory);
    });
}
