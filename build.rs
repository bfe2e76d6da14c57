//! Rebuild when a migration is added or changed: refinery embeds `migrations/sqlite/` and
//! `migrations/postgres/` at compile time, and without this line cargo would not notice a new
//! file and would ship a binary without it.
//!
//! A migration file left directly in `migrations/` (as written before the two dialects had a
//! folder each) would be embedded by neither: the build stops and says where it belongs.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let stray: Vec<String> = std::fs::read_dir("migrations")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    if !stray.is_empty() {
        panic!(
            "migrations/{} : each migration belongs in migrations/sqlite/ (same name and \
             contents) with its PostgreSQL port in migrations/postgres/ (same version number)",
            stray.join(", migrations/")
        );
    }
}
