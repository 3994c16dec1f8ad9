//! Any bytes given as a .pdf file read into documents or a named error, never a crash, a
//! stack overflow or a hang; see `common.rs` for what every document must satisfy. The PDF
//! libraries' own panics are caught by the reader (and the file reported as skipped), so only
//! theirs are let through libFuzzer's aborting panic hook.
#![no_main]

use declsearch::corpus::Format;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(
    init: {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !declsearch::corpus::reader_panic(info) {
                abort(info);
            }
        }));
    },
    |bytes: &[u8]| common::read_as(Format::Pdf, "fuzz.pdf", bytes)
);
