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

/// Bounded text for a test body: must be valid.
#[allow(dead_code)]
pub fn text<const MAX: usize>(s: &str) -> gongce_shared::text::Text<MAX> {
    gongce_shared::text::Text::new(s).unwrap().unwrap()
}

/// An `.xlsx` of about 6 KB with values only in A1 and XFD1048576: read
/// whole, a sheet of 17 billion cells.
#[allow(dead_code)]
pub fn sparse_xlsx(dir: &std::path::Path) -> std::path::PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "名称").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let file = dir.join("sparse.xlsx");
    book.save(&file).unwrap();
    file
}

/// An `.xlsx` with a value in KO1 (the 301st column) whose sheet declares
/// its size as just "A1": only the check of each cell can catch it.
#[allow(dead_code)]
pub fn lying_xlsx(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::{Read as _, Write as _};
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "名称").unwrap();
    sheet.write_string(0, 300, "x").unwrap();
    let honest = book.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(honest)).unwrap();
    let file = dir.join("lying.xlsx");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&file).unwrap());
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            assert!(xml.contains(r#"<dimension ref="A1:KO1"/>"#), "{xml}");
            bytes = xml
                .replace(r#"<dimension ref="A1:KO1"/>"#, r#"<dimension ref="A1"/>"#)
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
    file
}

/// An `.xlsx` whose shared strings inflate about 1,000 times: 16 MiB of
/// spaces in a file of about 16 KB.
#[allow(dead_code)]
pub fn inflating_xlsx(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write as _;
    let file = dir.join("inflating.xlsx");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&file).unwrap());
    out.start_file(
        "xl/sharedStrings.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..16 {
        out.write_all(&spaces).unwrap();
    }
    out.finish().unwrap();
    file
}
