//! The `mentormatch` binary: a thin shell over [`mentormatch`]; see `cli`.
mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
