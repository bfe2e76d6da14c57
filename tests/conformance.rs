//! The same end-to-end cases on both backends (issue 17): SQLite files and PostgreSQL databases
//! in a throwaway cluster (see tests/common/postgres.rs).

mod common;

use common::postgres as test_postgres;

/// Each test gets a database of its own: what one writes, another does not see.
#[test]
fn each_test_gets_a_fresh_postgres_database() {
    let Some(first) = test_postgres::database() else {
        return;
    };
    let Some(second) = test_postgres::database() else {
        return;
    };
    assert_ne!(first, second);
    let mut one = postgres::Client::connect(&first, postgres::NoTls).unwrap();
    one.batch_execute("CREATE TABLE marker (id integer)")
        .unwrap();
    let mut two = postgres::Client::connect(&second, postgres::NoTls).unwrap();
    let tables: i64 = two
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'marker'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
}
