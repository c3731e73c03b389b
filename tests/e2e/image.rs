//! A restart starts from the index image its last stop wrote, caught up
//! with what changed while the server was down; an image that is not of
//! this store, or is damaged, is passed over for a full read.

use super::*;

/// What one run of the server served and logged.
struct Run {
    /// The toilets near People's Square, by name, nearest first.
    names: Vec<String>,
    /// `/healthz`'s count.
    toilets: i64,
    log: String,
}

/// Starts the server on `db` (with `options`, its log in `log`), asks it
/// what it serves, stops it with SIGTERM (which must succeed) and gives
/// back what it served and logged.
async fn run(client: &reqwest::Client, db: &str, options: &[&str], log: &Path) -> Run {
    let mut args = vec!["--sync-interval-ms", "200"];
    args.extend(options);
    let server = Server::spawn(
        db,
        &args,
        std::fs::File::create(log).unwrap().into(),
        "info",
    );
    let (status, body) = get_json(
        client,
        &server.url("/api/v1/toilets/nearby?lat=31.2304&lon=121.4737&limit=10"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let names = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["toilet"]["name"].as_str().unwrap().to_owned())
        .collect();
    let (_, health) = get_json(client, &server.url("/healthz")).await;
    assert!(server.terminate().success());
    Run {
        names,
        toilets: health["toilets"].as_i64().unwrap(),
        log: std::fs::read_to_string(log).unwrap(),
    }
}

/// The store's change log: sequence numbers and toilets.
fn tail(file: &Path) -> Vec<(i64, i64)> {
    let connection = rusqlite::Connection::open(file).unwrap();
    let mut statement = connection
        .prepare("SELECT seq, toilet_id FROM toilet_changes ORDER BY seq")
        .unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn imported(db: &str, file: &Path, extra: &[&str]) {
    let out = import(db, file, extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_restart_starts_from_the_image_and_what_changed_while_down() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("city.sqlite");
    let db = format!("sqlite:{}", file.display());
    let image = dir.path().join("city.sqlite.index");
    let client = &reqwest::Client::new();
    let header = "id,name,lat,lon\n";
    let first = write(
        dir.path(),
        "first.csv",
        &format!(
            "{header}1,人民广场公厕,31.2305,121.4737\n2,南京东路公厕,31.2350,121.4800\n3,外滩公厕,31.2400,121.4900\n"
        ),
    );
    imported(&db, &first, &["--source", "city"]);

    // The first start has no image; its stop writes one.
    let Run { names, log, .. } = run(client, &db, &[], &dir.path().join("1.log")).await;
    assert_eq!(names, ["人民广场公厕", "南京东路公厕", "外滩公厕"]);
    assert!(log.contains("no index image yet"), "{log}");
    assert!(log.contains("wrote the index image"), "{log}");
    assert!(image.exists());

    // While it is down, a list renames one toilet, adds one and drops one.
    let second = write(
        dir.path(),
        "second.csv",
        &format!(
            "{header}1,人民广场东公厕,31.2305,121.4737\n3,外滩公厕,31.2400,121.4900\n4,福州路公厕,31.2330,121.4760\n"
        ),
    );
    imported(&db, &second, &["--source", "city", "--remove-missing"]);
    let Run {
        names,
        toilets,
        log,
    } = run(client, &db, &[], &dir.path().join("2.log")).await;
    assert_eq!(names, ["人民广场东公厕", "福州路公厕", "外滩公厕"]);
    assert_eq!(toilets, 3);
    assert!(log.contains("started from the index image"), "{log}");

    // Another store in the same file, made the same way (so its change log
    // names the same toilets at the same numbers): the image is not its own.
    let stopped_at = tail(&file);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let other = write(
        dir.path(),
        "other.csv",
        &format!(
            "{header}1,静安寺公厕,31.2305,121.4737\n2,南京西路公厕,31.2350,121.4800\n3,人民公园公厕,31.2400,121.4900\n"
        ),
    );
    imported(&db, &other, &["--source", "city"]);
    let other = write(
        dir.path(),
        "other-2.csv",
        &format!(
            "{header}1,静安寺东公厕,31.2305,121.4737\n3,人民公园公厕,31.2400,121.4900\n4,南京西路公厕,31.2330,121.4760\n"
        ),
    );
    imported(&db, &other, &["--source", "city", "--remove-missing"]);
    assert_eq!(
        tail(&file),
        stopped_at,
        "the same history, in another store"
    );
    let other_names = ["静安寺东公厕", "南京西路公厕", "人民公园公厕"];
    let Run { names, log, .. } = run(client, &db, &[], &dir.path().join("3.log")).await;
    assert_eq!(names, other_names);
    assert!(log.contains("made from another store"), "{log}");
    assert!(!log.contains("started from the index image"), "{log}");

    // A damaged image is passed over.
    let mut bytes = std::fs::read(&image).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&image, bytes).unwrap();
    let Run { names, log, .. } = run(client, &db, &[], &dir.path().join("4.log")).await;
    assert_eq!(names, other_names);
    assert!(log.contains("checksum does not match"), "{log}");

    // Off: neither read nor written.
    std::fs::remove_file(&image).unwrap();
    let Run { names, log, .. } = run(
        client,
        &db,
        &["--index-image", "off"],
        &dir.path().join("5.log"),
    )
    .await;
    assert_eq!(names.len(), 3);
    assert!(!image.exists() && !log.contains("index image"), "{log}");
}
