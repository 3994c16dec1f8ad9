//! The integration tests, one crate (as ripgrep): each module a part of the product, all
//! sharing [`common`] for temporary corpora, indexes and CLI runs decoded from `--json`.

mod browser;
mod cli_contract;
mod command_line;
mod common;
mod cross;
mod encodings;
mod formats;
mod hostile;
mod parallel;
mod pinyin;
mod properties;
mod query_language;
mod real_text;
mod recall;
mod reindex;
mod seed_acceptance;
mod semantic;
mod serve;
