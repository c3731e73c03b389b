//! Test databases, shared by the in-process tests (`tests/api`) and the
//! end-to-end tests (`tests/e2e`).

use sqlx::{Connection as _, Executor as _};

/// Where a test's store lives; dropping it removes a SQLite folder (a
/// PostgreSQL test database is left to the throwaway server, which
/// `cargo xtask test` deletes at the end).
pub struct Db {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

#[allow(dead_code)]
pub fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    Db {
        url: format!("sqlite:{}", dir.path().join("gongce.sqlite").display()),
        _dir: Some(dir),
    }
}

/// A new, empty database on the PostgreSQL server `GONGCE_TEST_POSTGRES`
/// names, or None (the test is skipped, saying so) when it names none and
/// `GONGCE_REQUIRE_POSTGRES` is not set. `cargo xtask test` sets both.
pub async fn postgres_db() -> Option<Db> {
    let Ok(admin) = std::env::var("GONGCE_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("GONGCE_REQUIRE_POSTGRES").is_none(),
            "GONGCE_REQUIRE_POSTGRES is set but GONGCE_TEST_POSTGRES names no server"
        );
        eprintln!("skipped: set GONGCE_TEST_POSTGRES=postgres://… (cargo xtask test does)");
        return None;
    };
    let name = format!("gongce_test_{:016x}", rand::random::<u64>());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to GONGCE_TEST_POSTGRES");
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let base = admin.rsplit_once('/').expect("a URL ending in /DATABASE").0;
    Some(Db {
        url: format!("{base}/{name}"),
        _dir: None,
    })
}
