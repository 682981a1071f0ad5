// Many small allocations live for the whole run (parse trees, pages being
// rendered on every core); mimalloc serves them faster than glibc's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(throughline::cli::run());
}
