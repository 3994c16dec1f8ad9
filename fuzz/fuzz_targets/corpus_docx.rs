//! Any bytes given as a .docx file read into documents or a named error, never a panic or a
//! hang; see `common.rs` for what every document must satisfy.
#![no_main]

use declsearch::corpus::Format;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|bytes: &[u8]| common::read_as(Format::Docx, "fuzz.docx", bytes));
