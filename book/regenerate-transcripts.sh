#!/usr/bin/env bash
# Re-records every transcript the book shows (book/src/transcripts/*.txt) from real
# runs of the lessons' binaries. Run it after changing what a program prints, then
# review the diff: `git diff book/src/transcripts`.
# Without BLESS, the same tests (part of `cargo test`) check the files are current.
set -euo pipefail
cd "$(dirname "$0")/.."
BLESS=1 cargo test --quiet --workspace --test transcripts
git --no-pager diff --stat -- book/src/transcripts || true
