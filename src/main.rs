fn main() {
    std::process::exit(throughline::cli::run());
}
