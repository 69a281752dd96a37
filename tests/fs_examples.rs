//! `examples/file_io.rs`: the counts of a file of known contents, bounded words, and a
//! missing file reported with exit status 1.

mod support;

use std::process::Command;

use support::child::{example, output_within};

#[test]
#[cfg_attr(miri, ignore)] // processes
fn file_io_counts_lines_and_words_of_a_known_file() {
    let path = std::env::temp_dir().join(format!("evloop-file-io-{}.txt", std::process::id()));
    let line = "Alpha beta beta gamma gamma gamma\n";
    let lines = 150_000; // 5 MiB: about 80 chunks
    std::fs::write(&path, line.repeat(lines)).unwrap();
    let output = output_within(
        Command::new(example("file_io")).arg(&path),
        support::TEST_LIMIT,
    );
    std::fs::remove_file(&path).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        format!("bytes {}", line.len() * lines),
        format!("lines {lines}"),
        format!("words {}", 6 * lines),
        format!("top gamma {}", 3 * lines),
        format!("top beta {}", 2 * lines),
        format!("top alpha {lines}"),
    ] {
        assert!(
            stdout.lines().any(|l| l == expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(stdout.contains("the ticker ticked"), "{stdout}");
}

#[test]
#[cfg_attr(miri, ignore)] // processes
fn file_io_reports_a_missing_file_and_exits_with_1() {
    let output = output_within(
        Command::new(example("file_io")).arg("/no/such/file"),
        support::TEST_LIMIT,
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/no/such/file") && stderr.contains("No such file"),
        "{stderr}"
    );
}
