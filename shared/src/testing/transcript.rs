//! Transcripts for the book: sessions recorded from real runs, checked on every test run.

use std::path::Path;

/// A transcript for the book: commands and what they printed, recorded from real runs.
///
/// Each lesson has a `tests/transcripts.rs` that replays the sessions its book chapter
/// shows. Run with `BLESS=1` (see `book/regenerate-transcripts.sh`), it rewrites
/// `book/src/transcripts/NAME.txt`; otherwise it checks that the stored file still
/// matches what the programs print now. Numbers that change from run to run (ports,
/// timings, sizes) are compared as "some number": every run of digits counts as one.
///
/// Tests bind port 0, but the book shows the lesson's default port: `show_port` maps
/// the real port to the one a reader will see; other ports (clients' ephemeral
/// ports) are renumbered 50001, 50002, ... in order of appearance.
pub struct Transcript {
    /// The file name under `book/src/transcripts/`, without `.txt`.
    name: String,
    /// What has been recorded.
    text: String,
    /// Real port -> port shown in the book.
    ports: Vec<(String, String)>,
}

impl Transcript {
    /// Starts the transcript `book/src/transcripts/{name}.txt`.
    pub fn new(name: &str) -> Transcript {
        Transcript {
            name: name.to_string(),
            text: String::new(),
            ports: Vec::new(),
        }
    }

    /// Shows `real` as `shown` everywhere in the transcript.
    pub fn show_port(&mut self, real: u16, shown: u16) {
        self.ports.push((real.to_string(), shown.to_string()));
    }

    /// Records a command as a reader would type it.
    pub fn command(&mut self, command: &str) {
        self.text.push_str("$ ");
        self.text.push_str(command);
        self.text.push('\n');
    }

    /// Records output; a missing final newline is added.
    pub fn output(&mut self, output: &str) {
        self.text.push_str(output);
        if !output.is_empty() && !output.ends_with('\n') {
            self.text.push('\n');
        }
    }

    /// Records a line of commentary (`# ...`), as a shell comment.
    pub fn comment(&mut self, comment: &str) {
        self.text.push_str("# ");
        self.text.push_str(comment);
        self.text.push('\n');
    }

    /// Writes (with `BLESS=1`) or checks the transcript file.
    pub fn finish(self, book_dir: &Path) {
        let text = self.normalized();
        let path = book_dir
            .join("src/transcripts")
            .join(format!("{}.txt", self.name));
        if std::env::var_os("BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            return;
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{} is missing ({e}); create it with book/regenerate-transcripts.sh",
                path.display()
            )
        });
        let (stored_lines, fresh_lines): (Vec<_>, Vec<_>) = (
            stored.lines().map(mask_numbers).collect(),
            text.lines().map(mask_numbers).collect(),
        );
        for (i, (old, new)) in stored_lines.iter().zip(&fresh_lines).enumerate() {
            assert_eq!(
                old,
                new,
                "{} line {} no longer matches what the program prints; if the change is \
                 intended, run book/regenerate-transcripts.sh\nnow printed:\n{text}",
                path.display(),
                i + 1
            );
        }
        assert_eq!(
            stored_lines.len(),
            fresh_lines.len(),
            "{} has a different number of lines than the program prints now; \
             run book/regenerate-transcripts.sh\nnow printed:\n{text}",
            path.display()
        );
    }

    /// The text with ports renumbered for the book.
    fn normalized(&self) -> String {
        let mut fake = 50_000;
        let mut ports = self.ports.clone();
        let mut out = String::new();
        let mut rest = self.text.as_str();
        // Ports appear after "127.0.0.1:" or "]:" in every lesson's output.
        while let Some(at) = find_port(rest) {
            out.push_str(&rest[..at]);
            let digits: String = rest[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let already_shown = self.ports.iter().any(|(_, shown)| *shown == digits);
            let shown = match ports.iter().find(|(real, _)| *real == digits) {
                Some((_, shown)) => shown.clone(),
                None if already_shown => digits.clone(), // typed in a command as the book shows it
                None => {
                    fake += 1;
                    ports.push((digits.clone(), fake.to_string()));
                    fake.to_string()
                }
            };
            out.push_str(&shown);
            rest = &rest[at + digits.len()..];
        }
        out.push_str(rest);
        out
    }
}

/// The offset of the next port number after `127.0.0.1:`, `localhost:`, `]:` or `port `.
fn find_port(text: &str) -> Option<usize> {
    let candidates = ["127.0.0.1:", "localhost:", "]:", "port "];
    candidates
        .iter()
        .filter_map(|prefix| {
            let mut from = 0;
            while let Some(i) = text[from..].find(prefix) {
                let at = from + i + prefix.len();
                let digits = text[at..].chars().take_while(char::is_ascii_digit).count();
                // Port 0 means "any port": it is never renumbered.
                if digits > 0 && &text[at..at + digits] != "0" {
                    return Some(at);
                }
                from = at;
            }
            None
        })
        .min()
}

/// Replaces every run of digits by `#`, so "took 203 ms" matches "took 198 ms".
pub fn mask_numbers(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_number = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

/// The workspace's `book/` directory, from a lesson crate's manifest directory.
pub fn book_dir(manifest_dir: &str) -> std::path::PathBuf {
    let mut dir = Path::new(manifest_dir).to_path_buf();
    while !dir.join("book").is_dir() {
        assert!(dir.pop(), "no book/ directory above {manifest_dir}");
    }
    dir.join("book")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_renumbered_consistently() {
        let mut t = Transcript::new("x");
        t.show_port(43111, 9999);
        t.output(
            "Listening on 127.0.0.1:43111\nfrom 127.0.0.1:39000 to [::1]:39000, 127.0.0.1:41000\n",
        );
        t.output("port 43111 is taken; try --bind 127.0.0.1:0\n");
        t.command("nc 127.0.0.1 9999");
        assert_eq!(
            t.normalized(),
            "Listening on 127.0.0.1:9999\nfrom 127.0.0.1:50001 to [::1]:50001, 127.0.0.1:50002\n\
             port 9999 is taken; try --bind 127.0.0.1:0\n$ nc 127.0.0.1 9999\n"
        );
    }

    #[test]
    fn numbers_are_masked_for_comparison() {
        assert_eq!(
            mask_numbers("took 203 ms, [4, 4, 2]"),
            "took # ms, [#, #, #]"
        );
    }
}
