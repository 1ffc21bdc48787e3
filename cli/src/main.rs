//! `securegen`: see the `securegen_cli` library.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    securegen_cli::run()
}
