//! Rebuild when a migration is added or changed: refinery embeds `migrations/` at compile time, and
//! without this line cargo would not notice a new file and would ship a binary without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
