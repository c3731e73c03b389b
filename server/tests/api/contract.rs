//! The store contract: every test here runs against a SQLite file and
//! against a PostgreSQL database (a fresh one per test, on the server that
//! `GONGCE_TEST_POSTGRES` names). The PostgreSQL half is `#[ignore]`d, so a
//! plain `cargo test` counts it as ignored rather than passing it silently;
//! `cargo xtask test` starts a server, sets the variable with
//! `GONGCE_REQUIRE_POSTGRES=1` (a missing server fails the run) and runs
//! the ignored tests too. Two handles opened on one database stand for two
//! replicas.

use crate::support::text;
use crate::support::{Db, postgres_db, sqlite_db};
use chrono::Duration;
use gongce::{
    import,
    store::{Actor, Changes, Crowd, Error, Reporter, Store, throttle::Rule},
};
use gongce_shared::{
    Status, ToiletId,
    accounts::{NewOrg, OrgKind, OrgPatch, Role, ToiletDraft, ToiletPatch},
    reports::{NewReport, ReportKind, ReportState},
};
use serde_json::json;

/// Each test body runs once per store kind.
macro_rules! contract {
    ($($name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: Db) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(sqlite_db()).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: set GONGCE_TEST_POSTGRES, or run cargo xtask test"]
            async fn postgres() {
                if let Some(db) = postgres_db().await {
                    run(db).await
                }
            }
        }
    )*};
}

async fn open(db: &Db) -> Store {
    Store::open(&db.url).await.unwrap()
}

fn draft(name: &str, lat: f64, lon: f64) -> ToiletDraft {
    serde_json::from_value(json!({"name": name, "lat": lat, "lon": lon})).unwrap()
}

fn patch(value: serde_json::Value) -> ToiletPatch {
    serde_json::from_value(value).unwrap()
}

/// An organisation with a committee member, and an admin.
async fn people(store: &Store) -> (i64, Actor, Actor) {
    let org = store
        .create_org(&NewOrg {
            name: text("静安寺街道"),
            kind: OrgKind::StreetOffice,
            street: None,
            district: Some(text("静安区")),
        })
        .await
        .unwrap();
    let member = store
        .create_user("member", "$argon2id$x", Role::Committee, Some(org.id))
        .await
        .unwrap();
    let admin = store
        .create_user("admin", "$argon2id$y", Role::Admin, None)
        .await
        .unwrap();
    (
        org.id,
        Actor {
            user_id: member.id,
            role: Role::Committee,
            org_id: Some(org.id),
        },
        Actor {
            user_id: admin.id,
            role: Role::Admin,
            org_id: None,
        },
    )
}

/// Imports `csv` from a blocking thread, as the server and CLI do.
async fn import_csv(
    store: &Store,
    source: &str,
    csv: &str,
    tweak: fn(&mut import::Options),
) -> import::Report {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{source}.csv"));
    std::fs::write(&file, csv).unwrap();
    let target = store.import_target();
    let mut options = import::Options::new(source);
    tweak(&mut options);
    tokio::task::spawn_blocking(move || {
        let report = import::run(&file, &target, &options);
        drop(dir);
        report
    })
    .await
    .unwrap()
    .unwrap()
}

/// Breaks toilet `id`'s row behind the store's back, as a hand edit might:
/// a time zone that does not exist.
async fn corrupt(db: &Db, id: i64) {
    let sql = "UPDATE toilets SET timezone = 'Nowhere/Zone' WHERE id = $1";
    if gongce::store::is_postgres(&db.url) {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let path = gongce::store::sqlite_path(&db.url).unwrap();
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute(sql, [id]).unwrap();
    }
}

fn who(client: &str, network: &str) -> Reporter {
    Reporter {
        client: client.to_owned(),
        network: network.to_owned(),
    }
}

contract! {
    an_index_image_names_its_store_and_starts_from_what_came_after(db) {
        let store = open(&db).await;
        let identity = store.identity().await.unwrap();
        assert_eq!(identity.len(), 32, "{identity}");
        // Another handle on the same store is the same store; another store is not.
        assert_eq!(open(&db).await.identity().await.unwrap(), identity);
        let other = sqlite_db();
        assert_ne!(open(&other).await.identity().await.unwrap(), identity);

        let (org, member, _) = people(&store).await;
        let mut ids = Vec::new();
        for (name, lat) in [("一号公厕", 31.23), ("二号公厕", 31.24), ("三号公厕", 31.25)] {
            ids.push(store.create_toilet(draft(name, lat, 121.47), Some(org), member).await.unwrap().id);
        }
        let snapshot = store.records().await.unwrap();
        let tail = store.log_tail(snapshot.seq, 16).await.unwrap();
        assert_eq!(
            tail.iter().map(|&(_, id)| id).collect::<Vec<_>>(),
            ids.iter().rev().map(|id| id.get()).collect::<Vec<_>>(),
            "newest first"
        );
        assert!(tail.windows(2).all(|w| w[0].0 > w[1].0) && tail[0].0 == snapshot.seq);
        assert_eq!(store.log_tail(snapshot.seq, 2).await.unwrap(), tail[..2]);
        assert_eq!(store.log_tail(tail[1].0, 16).await.unwrap(), tail[1..]);

        // The stop writes the image at the followed position.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let index = std::sync::Arc::new(std::sync::RwLock::new(
            gongce::index::Index::build(snapshot.toilets),
        ));
        let status = gongce::sync::SyncStatus::new(
            snapshot.seq,
            std::time::Duration::from_secs(1),
            std::sync::Arc::new(|| chrono::DateTime::UNIX_EPOCH),
        );
        gongce::sync::save_image(&store, &index, &status, path.clone()).await.unwrap();
        // Written to while it was down: one renamed, one removed.
        store.update_toilet(ids[0], patch(json!({"name": "一号公厕（新）"})), 1, member).await.unwrap();
        store.remove_toilet(ids[1], Some(1), member).await.unwrap();
        let (started, seq) = gongce::sync::from_image(&store, &path).await.expect("starts from the image");
        assert!(seq > snapshot.seq);
        assert_eq!(started.len(), 2);
        assert_eq!(started.get(ids[0]).unwrap().name(), Some("一号公厕（新）"));
        assert!(started.get(ids[1]).is_none());
        // Another store (with a like history) does not start from it.
        let other = open(&other).await;
        let (org, member, _) = people(&other).await;
        for (name, lat) in [("甲", 31.23), ("乙", 31.24), ("丙", 31.25)] {
            other.create_toilet(draft(name, lat, 121.47), Some(org), member).await.unwrap();
        }
        assert!(gongce::sync::from_image(&other, &path).await.is_none());
    }

    detailed_facts_survive_writes_reads_and_re_imports(db) {
        let store = open(&db).await;
        let (org, member, _) = people(&store).await;
        let body = json!({"name": "观前街公厕", "lat": 31.3103, "lon": 120.6272,
            "seated": true, "squat": false, "urinals": 3, "door_width_cm": 85,
            "phone": "0512-6523 1234", "fee_note": "免费", "name_en": "Guanqian Street Toilet"});
        let created = store
            .create_toilet(serde_json::from_value(body).unwrap(), Some(org), member)
            .await
            .unwrap();
        let facts = |t: &gongce_shared::Toilet| serde_json::to_value(&t.details).unwrap();
        let stated = json!({"seated": true, "squat": false, "door_width_cm": 85, "urinals": 3,
            "phone": "0512-6523 1234", "fee_note": "免费", "name_en": "Guanqian Street Toilet"});
        assert_eq!(facts(&created), stated);
        // Both readers: the bulk snapshot and the read by id.
        assert_eq!(facts(&store.snapshot().await.unwrap().toilets[0]), stated);
        assert_eq!(facts(&store.toilets(&[created.id]).await.unwrap()[0]), stated);
        // A change sets what it names, clears what it nulls, keeps the rest.
        let changed = store
            .update_toilet(created.id, patch(json!({"seated": null, "paper": true, "urinals": 4})), 1, member)
            .await
            .unwrap();
        assert_eq!(facts(&changed), json!({"squat": false, "paper": true, "door_width_cm": 85,
            "urinals": 4, "phone": "0512-6523 1234", "fee_note": "免费",
            "name_en": "Guanqian Street Toilet"}));
        let history = store.toilet_history(created.id, member).await.unwrap();
        assert_eq!(history[0].after.as_ref().map(facts).unwrap()["paper"], true);

        // A list's facts are compared on re-import: the same list changes
        // nothing, one changed fact updates one toilet.
        let csv = "编号,名称,纬度,经度,坐便,蹲位,扶手,无台阶,成人护理台,门宽,女厕位,男厕位,无障碍厕位,小便器,厕纸,洗手液,公厕等级,联系电话,收费标准,英文名称\n\
                   a1,人民广场公厕,31.2304,121.4737,有,有,有,是,否,90,8,4,1,6,有,无,一类,021-6321 0000,0.5 元,People's Square\n\
                   a2,外滩公厕,31.2400,121.4900,,,,,,,,,,,,,,,,\n";
        let first = import_csv(&store, "list", csv, |_| {}).await;
        assert!(first.issues.is_empty(), "{:?}", first.issues);
        let snapshot = store.snapshot().await.unwrap();
        let square = snapshot.toilets.iter().find(|t| t.external_id.as_deref() == Some("a1")).unwrap();
        assert_eq!(facts(square), json!({"seated": true, "squat": true, "grab_rails": true,
            "step_free": true, "adult_changing": false, "paper": true, "soap": false,
            "door_width_cm": 90, "stalls_female": 8, "stalls_male": 4, "stalls_accessible": 1,
            "urinals": 6, "grade": "一类", "phone": "021-6321 0000", "fee_note": "0.5 元",
            "name_en": "People's Square"}));
        let bund = snapshot.toilets.iter().find(|t| t.external_id.as_deref() == Some("a2")).unwrap();
        assert!(bund.details.is_empty());
        let again = import_csv(&store, "list", csv, |_| {}).await;
        assert_eq!((again.counts.inserted, again.counts.updated, again.counts.unchanged), (0, 0, 2));
        let fewer_urinals = csv.replace(",6,有,无,", ",5,有,无,");
        let changed = import_csv(&store, "list", &fewer_urinals, |_| {}).await;
        assert_eq!((changed.counts.updated, changed.counts.unchanged), (1, 1));
        let snapshot = store.snapshot().await.unwrap();
        let square = snapshot.toilets.iter().find(|t| t.external_id.as_deref() == Some("a1")).unwrap();
        assert_eq!(square.details.count(gongce_shared::Fact::Urinals), Some(5));
    }

    a_lists_check_dates_move_last_verified_only_forward(db) {
        let store = open(&db).await;
        let list = |date: &str| format!("id,name,lat,lon,timezone,last_updated\n\
            v1,龍騰公園,24.06,120.49,Asia/Taipei,{date}\nv2,中山公園,24.07,120.50,Asia/Taipei,\n");
        let verified = |store: &Store| {
            let store = store.clone();
            async move {
                let snapshot = store.snapshot().await.unwrap();
                let t = snapshot.toilets.iter().find(|t| t.external_id.as_deref() == Some("v1")).unwrap();
                (t.id, t.last_verified.map(|v| v.to_rfc3339()))
            }
        };
        let first = import_csv(&store, "tw", &list("2025-01-09"), |_| {}).await;
        assert!(first.issues.is_empty(), "{:?}", first.issues);
        // A date is the start of that day where the toilet is: Taipei, UTC+8.
        let (id, at) = verified(&store).await;
        assert_eq!(at.as_deref(), Some("2025-01-08T16:00:00+00:00"));
        let again = import_csv(&store, "tw", &list("2025-01-09"), |_| {}).await;
        assert_eq!((again.counts.updated, again.counts.unchanged), (0, 2));
        // A newer check moves it forward; an older one leaves it.
        let newer = import_csv(&store, "tw", &list("2025/11/09"), |_| {}).await;
        assert_eq!((newer.counts.updated, newer.counts.unchanged), (1, 1));
        assert_eq!(verified(&store).await.1.as_deref(), Some("2025-11-08T16:00:00+00:00"));
        let older = import_csv(&store, "tw", &list("2025-06-01"), |_| {}).await;
        assert_eq!((older.counts.updated, older.counts.unchanged), (0, 2));
        assert_eq!(verified(&store).await.1.as_deref(), Some("2025-11-08T16:00:00+00:00"));
        // A committee's later confirmation is never set back by a list.
        store.confirm_toilet(id, None).await.unwrap();
        let confirmed = verified(&store).await.1;
        assert!(confirmed.as_deref() > Some("2025-11-09"), "{confirmed:?}");
        import_csv(&store, "tw", &list("2025-11-09"), |_| {}).await;
        assert_eq!(verified(&store).await.1, confirmed);
        // A date from the future, or not a date, is refused by name.
        let future = import_csv(&store, "tw", &list("2999-01-01"), |_| {}).await;
        let bad = import_csv(&store, "tw", &list("soon"), |_| {}).await;
        for (report, value, says) in [(&future, "2999-01-01", "in the future"), (&bad, "soon", "expected a date")] {
            let issue = report.rejected().next().unwrap();
            assert_eq!((issue.column.as_str(), issue.value.as_str()), ("last_updated", value));
            assert!(issue.reason.contains(says), "{}", issue.reason);
        }
    }

    retention_deletes_what_nothing_needs_and_followers_reload_past_it(db) {
        let clock = crate::TestClock::default();
        let store = open(&db).await.with_clock(clock.clock());
        let (org, member, _) = people(&store).await;
        let rule = Rule { limit: 5, window: Duration::hours(1), backoff: None };
        for i in 0..10 {
            assert!(store.throttle(&format!("report:c{i}"), rule, clock.now()).await.unwrap().is_none());
        }
        store.create_session("short", member.user_id, "csrf", Duration::hours(1)).await.unwrap();
        store.create_session("long", member.user_id, "csrf", Duration::days(30)).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(store.create_toilet(draft(&format!("公厕{i}"), 31.2 + f64::from(i) / 100.0, 121.4), Some(org), member).await.unwrap().id);
        }
        store.set_webhook(org, Some(("http://127.0.0.1:9/hook".into(), "secret-secret-secret".into()))).await.unwrap();
        let dirty = NewReport { kind: ReportKind::Dirty, note: None, contact: None };
        store.create_report(ids[0], dirty, &who("c1", "n1")).await.unwrap();
        let due = store.due_deliveries(10, &[], clock.now()).await.unwrap();
        store.delivery_done(due[0].id, Ok(()), clock.now()).await.unwrap();
        let seq = store.snapshot().await.unwrap().seq;

        // Within a day nothing of that goes but the expired session.
        clock.advance(Duration::hours(23));
        let keep = gongce::store::retention::Retention { change_log: 3, ..Default::default() };
        let pruned = store.prune(keep).await.unwrap();
        assert_eq!((pruned.throttles, pruned.sessions, pruned.deliveries), (0, 1, 0));
        assert!(store.session("long").await.unwrap().is_some());
        // The change log keeps the newest three; a follower from before
        // them reloads, one within them reads the rows.
        let log = |sizes: Vec<(&str, i64)>| sizes.into_iter().find(|(t, _)| *t == "toilet_changes").unwrap().1;
        assert!(pruned.change_log >= 3, "{pruned:?}");
        assert_eq!(log(store.table_sizes().await.unwrap()), 3);
        assert!(matches!(store.changes_since(0).await.unwrap(), Changes::Reload(s) if s.toilets.len() == 5));
        assert!(matches!(store.changes_since(seq - 1).await.unwrap(), Changes::Rows { ids, .. } if ids.len() == 1));
        // A day past their window, the throttles go; a month on, the delivery.
        clock.advance(Duration::hours(2));
        assert_eq!(store.prune(keep).await.unwrap().throttles, 10);
        clock.advance(Duration::days(30));
        let pruned = store.prune(keep).await.unwrap();
        assert_eq!((pruned.deliveries, pruned.throttles, pruned.change_log), (1, 0, 0));
        let sizes: std::collections::HashMap<_, _> = store.table_sizes().await.unwrap().into_iter().collect();
        assert_eq!((sizes["throttles"], sizes["webhook_deliveries"], sizes["toilet_changes"]), (0, 0, 3));
        assert_eq!(sizes["toilets"], 5);
    }

    reported_closed_needs_networks_within_a_window_until_the_owner_reopens(db) {
        let clock = crate::TestClock::default();
        let store = open(&db).await.with_clock(clock.clock());
        let (org, member, _) = people(&store).await;
        let t = store.create_toilet(draft("余姚路公厕", 31.23, 121.44), Some(org), member).await.unwrap();
        let closed = NewReport { kind: ReportKind::Closed, note: None, contact: None };
        store.create_report(t.id, closed.clone(), &who("c1", "n1")).await.unwrap();
        store.create_report(t.id, closed.clone(), &who("c2", "n2")).await.unwrap();
        // A day and an hour later, a third network: the first two are too old.
        clock.advance(Duration::hours(25));
        let (_, late) = store.create_report(t.id, closed.clone(), &who("c3", "n3")).await.unwrap();
        assert!(!late.reports.reported_closed, "three networks, but not within 24 hours");
        store.create_report(t.id, closed.clone(), &who("c4", "n4")).await.unwrap();
        let (_, marked) = store.create_report(t.id, closed.clone(), &who("c5", "n5")).await.unwrap();
        assert!(marked.reports.reported_closed);
        // It does not fade by itself: a week on, a "dirty" report keeps it.
        clock.advance(Duration::days(7));
        let dirty = NewReport { kind: ReportKind::Dirty, note: None, contact: None };
        let (_, still) = store.create_report(t.id, dirty, &who("c6", "n6")).await.unwrap();
        assert!(still.reports.reported_closed);
        // The owner closes it for repairs, then reopens it: that answers them.
        let v = still.version;
        let closing = patch(json!({"status": {"state": "temporarily_closed", "reason": "维修"}}));
        store.update_toilet(t.id, closing, v, member).await.unwrap();
        let reopened = store.update_toilet(t.id, patch(json!({"status": {"state": "open"}})), v + 1, member).await.unwrap();
        assert!(!reopened.reports.reported_closed);
        assert_eq!(reopened.reports.open, 1, "the dirty report is still open");
        // A stricter rule (two networks) from the settings.
        let strict = open(&db).await.with_clock(clock.clock()).with_crowd(Crowd { min: 2, window: Duration::hours(1) });
        strict.create_report(t.id, closed.clone(), &who("c7", "n7")).await.unwrap();
        let (_, two) = strict.create_report(t.id, closed, &who("c8", "n8")).await.unwrap();
        assert!(two.reports.reported_closed);
    }

    a_row_that_is_not_a_valid_toilet_is_left_out(db) {
        let store = open(&db).await;
        let (_, _, admin) = people(&store).await;
        let good = store.create_toilet(draft("好的", 31.2325, 121.4722), None, admin).await.unwrap();
        let bad = store.create_toilet(draft("坏的", 31.2335, 121.4732), None, admin).await.unwrap();
        corrupt(&db, bad.id.get()).await;
        let snapshot = store.snapshot().await.unwrap();
        let ids: Vec<ToiletId> = snapshot.toilets.iter().map(|t| t.id).collect();
        assert_eq!(ids, [good.id], "the snapshot leaves the bad row out");
        let read = store.toilets(&[good.id, bad.id]).await.unwrap();
        assert_eq!(read.iter().map(|t| t.id).collect::<Vec<_>>(), [good.id]);
        // A single read says what is wrong instead of serving it.
        let err = store.update_toilet(bad.id, patch(json!({"free": true})), 1, admin).await.unwrap_err();
        assert!(format!("{err:#}").contains("Nowhere/Zone"), "{err:#}");
    }

    toilet_writes_check_owner_and_version(db) {
        let store = open(&db).await;
        let (org, member, admin) = people(&store).await;
        let created = store
            .create_toilet(draft("人民公园公厕", 31.2325, 121.4722), Some(org), member)
            .await
            .unwrap();
        assert_eq!((created.version, created.org_id), (1, Some(org)));
        let edited = store
            .update_toilet(created.id, patch(json!({"wheelchair": true, "hours_note": "夜间关闭"})), 1, member)
            .await
            .unwrap();
        assert_eq!((edited.version, edited.wheelchair), (2, Some(true)));
        assert_eq!(edited.hours_note.as_deref(), Some("夜间关闭"));
        // From version 1 again: stale, naming the current version.
        let stale = store
            .update_toilet(created.id, patch(json!({"free": true})), 1, member)
            .await
            .unwrap_err();
        assert!(matches!(stale, Error::Stale { expected: 1, current: 2, .. }), "{stale:?}");
        // Another organisation's member may not.
        let other = store
            .create_org(&NewOrg { name: text("other"), kind: OrgKind::Other, street: None, district: None })
            .await
            .unwrap();
        let outsider = Actor { user_id: admin.user_id, role: Role::Committee, org_id: Some(other.id) };
        assert!(matches!(
            store.update_toilet(created.id, patch(json!({"free": true})), 2, outsider).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            store.update_toilet(created.id, patch(json!({"org_id": 999})), 2, admin).await,
            Err(Error::NotFound { what: "organisation", .. })
        ));
        let closed = store
            .update_toilet(
                created.id,
                patch(json!({"status": {"state": "temporarily_closed", "reason": "维修", "until": "2026-12-01T00:00:00Z"}})),
                2,
                member,
            )
            .await
            .unwrap();
        let Status::TemporarilyClosed { reason, until } = &closed.status else { panic!("{:?}", closed.status) };
        assert_eq!(reason, "维修");
        assert_eq!(until.unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
        let removed = store.remove_toilet(created.id, Some(3), member).await.unwrap();
        assert_eq!((removed.status.clone(), removed.version), (Status::Removed, 4));
        assert!(matches!(store.remove_toilet(created.id, None, member).await, Err(Error::NotFound { what: "toilet", .. })));
        let history = store.toilet_history(created.id, member).await.unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["remove", "close", "update", "create"]);
        assert_eq!(history[0].user.as_deref(), Some("member"));
        assert_eq!(history[2].before.as_ref().unwrap().version, 1);
        assert_eq!(history[2].after.as_ref().unwrap().version, 2);
        assert!(matches!(store.toilet_history(created.id, outsider).await, Err(Error::Forbidden(_))));
        let listed = store.org_toilets(org).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].status, Status::Removed);
        let missing = ToiletId::new(999_999).unwrap();
        assert!(matches!(store.update_toilet(missing, patch(json!({})), 1, admin).await, Err(Error::NotFound { what: "toilet", .. })));
    }

    change_log_sees_every_write(db) {
        let store = open(&db).await;
        let (org, member, _) = people(&store).await;
        let start = store.snapshot().await.unwrap();
        assert!(start.toilets.is_empty());
        let a = store.create_toilet(draft("A", 31.0, 121.0), Some(org), member).await.unwrap();
        let b = store.create_toilet(draft("B", 31.1, 121.1), Some(org), member).await.unwrap();
        let Changes::Rows { ids, toilets, seq } = store.changes_since(start.seq).await.unwrap() else {
            panic!("a reload for two changes")
        };
        assert_eq!(ids.len(), 2);
        assert_eq!(toilets.len(), 2);
        assert!(seq > start.seq);
        store.update_toilet(b.id, patch(json!({"name": "B2"})), 1, member).await.unwrap();
        let Changes::Rows { ids, toilets, seq: next } = store.changes_since(seq).await.unwrap() else {
            panic!()
        };
        assert_eq!(ids, [b.id]);
        assert_eq!(toilets[0].name_text(), "B2");
        // Nothing more: the position stays.
        let Changes::Rows { ids, seq: same, .. } = store.changes_since(next).await.unwrap() else { panic!() };
        assert!(ids.is_empty());
        assert_eq!(same, next);
        let snapshot = store.snapshot().await.unwrap();
        assert_eq!(snapshot.seq, next);
        let mut names: Vec<String> = snapshot.toilets.iter().map(|t| t.name_text().to_owned()).collect();
        names.sort();
        assert_eq!(names, ["A", "B2"]);
        assert_eq!(store.toilet(a.id).await.unwrap().unwrap().name_text(), "A");
    }

    two_replicas_never_overwrite_blindly(db) {
        let a = open(&db).await;
        let b = open(&db).await;
        let (org, member, _) = people(&a).await;
        let t = a.create_toilet(draft("共享", 31.0, 121.0), Some(org), member).await.unwrap();
        // Both replicas start from version 1, at the same moment.
        let (first, second) = tokio::join!(
            a.update_toilet(t.id, patch(json!({"free": true})), 1, member),
            b.update_toilet(t.id, patch(json!({"free": false})), 1, member),
        );
        let outcomes = [first.is_ok(), second.is_ok()];
        assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{first:?} {second:?}");
        let lost = if first.is_ok() { second } else { first };
        assert!(matches!(lost, Err(Error::Stale { expected: 1, current: 2, .. })), "{lost:?}");
        // And the change made on one is what the other reads.
        let seen = b.toilet(t.id).await.unwrap().unwrap();
        assert_eq!(seen.version, 2);
        // Many concurrent writers, each retrying on 409: every write lands once.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let id = t.id;
            tasks.push(tokio::spawn(async move {
                loop {
                    let current = store.toilet(id).await.unwrap().unwrap().version;
                    match store.update_toilet(id, patch(json!({"operator": format!("w{i}")})), current, member).await {
                        Ok(_) => break,
                        Err(Error::Stale { .. }) => continue,
                        Err(e) => panic!("{e}"),
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(a.toilet(t.id).await.unwrap().unwrap().version, 10);
        assert_eq!(a.toilet_history(t.id, member).await.unwrap().len(), 10);
    }

    accounts_and_sessions(db) {
        let a = open(&db).await;
        let b = open(&db).await;
        let (org, member, _) = people(&a).await;
        assert!(matches!(
            a.create_org(&NewOrg { name: text("静安寺街道"), kind: OrgKind::Other, street: None, district: None }).await,
            Err(Error::Taken { field: "name", .. })
        ));
        // Usernames are unique whatever their case, and found whatever the case.
        assert!(matches!(
            b.create_user("MEMBER", "h", Role::Admin, None).await,
            Err(Error::Taken { field: "username", .. })
        ));
        assert_eq!(b.user_by_name("Member").await.unwrap().unwrap().id, member.user_id);
        let creds = b.credentials("member").await.unwrap().unwrap();
        assert_eq!(creds.password_hash, "$argon2id$x");
        assert!(!creds.org_disabled);
        // A session made on one replica is live on the other, until it ends.
        a.create_session("hash-1", member.user_id, "csrf-1", Duration::days(14)).await.unwrap();
        let row = b.session("hash-1").await.unwrap().unwrap();
        assert_eq!((row.user.id, row.csrf_token.as_str()), (member.user_id, "csrf-1"));
        b.delete_session("hash-1").await.unwrap();
        assert!(a.session("hash-1").await.unwrap().is_none());
        a.create_session("expired", member.user_id, "c", Duration::seconds(-1)).await.unwrap();
        assert!(b.session("expired").await.unwrap().is_none());
        // Disabling the organisation ends its members' sessions everywhere.
        a.create_session("hash-2", member.user_id, "c", Duration::days(1)).await.unwrap();
        let patch: OrgPatch = serde_json::from_value(json!({"disabled": true, "street": "南京西路"})).unwrap();
        let disabled = b.update_org(org, &patch).await.unwrap();
        assert!(disabled.disabled);
        assert_eq!(disabled.street.as_deref(), Some("南京西路"));
        assert!(a.session("hash-2").await.unwrap().is_none());
        assert!(a.credentials("member").await.unwrap().unwrap().org_disabled);
        let enable: OrgPatch = serde_json::from_value(json!({"disabled": false, "street": null})).unwrap();
        let enabled = a.update_org(org, &enable).await.unwrap();
        assert!(!enabled.disabled && enabled.street.is_none());
        assert_eq!(enabled.district.as_deref(), Some("静安区"));
        // One statement changes what the patch names and nothing else; a
        // taken name, a blank one and a missing organisation say so.
        let other = a.create_org(&NewOrg { name: text("别的居委会"), kind: OrgKind::ResidentsCommittee, street: None, district: None }).await.unwrap();
        let rename: OrgPatch = serde_json::from_value(json!({"name": " 新名字 ", "kind": "community_hospital"})).unwrap();
        let renamed = b.update_org(org, &rename).await.unwrap();
        assert_eq!((renamed.name.as_str(), renamed.kind, renamed.district.as_deref()), ("新名字", OrgKind::CommunityHospital, Some("静安区")));
        let taken: OrgPatch = serde_json::from_value(json!({"name": "别的居委会"})).unwrap();
        assert!(matches!(a.update_org(org, &taken).await, Err(Error::Taken { field: "name", .. })));
        // A blank name is refused as the body is read (a 400 naming `name`).
        assert!(serde_json::from_value::<OrgPatch>(json!({"name": " \u{200B} "})).is_err());
        assert!(matches!(b.update_org(424242, &rename).await, Err(Error::NotFound { what: "organisation", .. })));
        assert_eq!(a.org_by_name("新名字").await.unwrap().unwrap().id, org);
        assert_eq!(b.org(other.id).await.unwrap().unwrap().name, "别的居委会");
        // A password change ends the user's sessions.
        a.create_session("hash-3", member.user_id, "c", Duration::days(1)).await.unwrap();
        let user = b.update_user(member.user_id, Some("new-hash"), None, None, None).await.unwrap();
        assert!(!user.disabled);
        assert!(a.session("hash-3").await.unwrap().is_none());
        let user = b.update_user(member.user_id, None, None, None, Some(true)).await.unwrap();
        assert!(user.disabled);
        assert!(matches!(b.update_user(999, None, None, None, None).await, Err(Error::NotFound { .. })));
        assert_eq!(a.orgs().await.unwrap().len(), 2);
        assert_eq!(a.users().await.unwrap().len(), 2);
    }

    reports_and_their_answers(db) {
        let a = open(&db).await;
        let b = open(&db).await;
        let (org, member, admin) = people(&a).await;
        let t = a.create_toilet(draft("西康路公厕", 31.23, 121.44), Some(org), member).await.unwrap();
        let kind = |k: ReportKind| NewReport { kind: k, note: None, contact: None };
        let (receipt, after) = a.create_report(t.id, NewReport { kind: ReportKind::NoPaper, note: Some("没纸".into()), contact: Some("138".into()) }, &who("c1", "n1")).await.unwrap();
        assert_eq!(after.reports.open, 1);
        assert_eq!(after.version, 1, "a report is not an edit");
        // Reporters from three networks (on two replicas) say it is closed.
        b.create_report(t.id, kind(ReportKind::Closed), &who("c1", "n1")).await.unwrap();
        let (_, once) = b.create_report(t.id, kind(ReportKind::Closed), &who("c1", "n1")).await.unwrap();
        assert!(!once.reports.reported_closed, "one reporter twice is not a crowd");
        let (_, same_net) = a.create_report(t.id, kind(ReportKind::Gone), &who("c2", "n1")).await.unwrap();
        assert!(!same_net.reports.reported_closed, "two clients of one network are one");
        let (_, two) = a.create_report(t.id, kind(ReportKind::Closed), &who("c3", "n2")).await.unwrap();
        assert!(!two.reports.reported_closed, "two networks are not three");
        let (_, crowd) = b.create_report(t.id, kind(ReportKind::Closed), &who("c4", "n3")).await.unwrap();
        assert!(crowd.reports.reported_closed);
        assert_eq!(crowd.reports.open, 6);
        // The owner says it is fine: the closed reports are resolved.
        let confirmed = b.confirm_toilet(t.id, Some(member)).await.unwrap();
        assert!(!confirmed.reports.reported_closed);
        assert_eq!(confirmed.reports.open, 1);
        assert!(confirmed.last_verified.is_some());
        let (acked, _) = a.answer_report(receipt.id, ReportState::Acknowledged, None, member).await.unwrap();
        assert_eq!(acked.state, ReportState::Acknowledged);
        let (resolved, toilet) = b.answer_report(receipt.id, ReportState::Resolved, Some("已补充".into()), admin).await.unwrap();
        assert_eq!((resolved.state, resolved.resolution.as_deref()), (ReportState::Resolved, Some("已补充")));
        assert!(resolved.acknowledged_at.unwrap() <= resolved.resolved_at.unwrap());
        assert_eq!(toilet.reports.open, 0);
        assert!(toilet.reports.fixed_at.is_some());
        let again = a.answer_report(receipt.id, ReportState::Resolved, None, member).await.unwrap_err();
        assert_eq!(again.to_string(), format!("report {} is resolved already", receipt.id));
        assert!(matches!(again, Error::Conflict(_)));
        assert!(matches!(a.answer_report(424242, ReportState::Resolved, None, member).await, Err(Error::NotFound { what: "report", .. })));
        let listed = a.org_reports(org, None).await.unwrap();
        assert_eq!(listed.len(), 6);
        assert_eq!(listed[0].id, listed.iter().map(|r| r.id).max().unwrap());
        assert_eq!(listed.iter().find(|r| r.id == receipt.id).unwrap().contact.as_deref(), Some("138"));
        assert_eq!(b.org_reports(org, Some(ReportState::Open)).await.unwrap().len(), 0);
        let stats = b.report_stats(Duration::hours(48), None).await.unwrap();
        assert_eq!(stats.orgs.len(), 1);
        assert_eq!((stats.orgs[0].open, stats.orgs[0].resolved), (0, 6));
        assert!(stats.orgs[0].median_resolve_s.unwrap() >= 0.0);
        // A webhook gets each new report once, through the queue.
        a.set_webhook(org, Some(("http://127.0.0.1:9/hook".into(), "secret".into()))).await.unwrap();
        let (r, _) = b.create_report(t.id, kind(ReportKind::Dirty), &who("c3", "n2")).await.unwrap();
        let now = chrono::Utc::now();
        // Not handed out while the organisation's earlier ones are being sent.
        assert!(a.due_deliveries(10, &[org], now).await.unwrap().is_empty());
        let due = a.due_deliveries(10, &[], now).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].org_id, org);
        let payload: serde_json::Value = serde_json::from_str(&due[0].payload).unwrap();
        assert_eq!(payload["report"]["id"], r.id);
        assert_eq!(payload["toilet"]["name"], "西康路公厕");
        a.delivery_done(due[0].id, Err(("refused".into(), Some(Duration::seconds(60)))), now).await.unwrap();
        assert!(b.due_deliveries(10, &[], now).await.unwrap().is_empty());
        let state = b.webhook_states(Some(org)).await.unwrap().pop().unwrap();
        assert_eq!((state.state.as_str(), state.pending, state.failures), ("failing", 1, 1));
        assert_eq!((state.host.as_str(), state.last_error.as_deref()), ("127.0.0.1", Some("refused")));
        // Due again after the wait; given up on after the last attempt.
        let later = now + Duration::seconds(61);
        let due = b.due_deliveries(10, &[], later).await.unwrap();
        assert_eq!((due.len(), due[0].attempts), (1, 1));
        b.delivery_done(due[0].id, Err(("HTTP 500".into(), None)), later).await.unwrap();
        assert!(a.due_deliveries(10, &[], later + Duration::days(2)).await.unwrap().is_empty());
        let state = a.webhook_states(None).await.unwrap().pop().unwrap();
        assert_eq!((state.state.as_str(), state.pending, state.failed), ("failed", 0, 1));
        // The next delivery goes through: ok again.
        let (r2, _) = a.create_report(t.id, kind(ReportKind::Dirty), &who("c5", "n5")).await.unwrap();
        let due = b.due_deliveries(10, &[], later).await.unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&due[0].payload).unwrap()["report"]["id"], r2.id);
        b.delivery_done(due[0].id, Ok(()), later).await.unwrap();
        let state = a.webhook_states(Some(org)).await.unwrap().pop().unwrap();
        assert_eq!((state.state.as_str(), state.pending, state.failed), ("ok", 0, 1));
        assert!(state.last_delivered_at.is_some_and(|t| (t - later).num_milliseconds().abs() <= 1));
        a.set_webhook(org, None).await.unwrap();
        b.create_report(t.id, kind(ReportKind::Dirty), &who("c4", "n4")).await.unwrap();
        assert!(a.due_deliveries(10, &[], later).await.unwrap().is_empty());
        assert!(a.webhook_states(None).await.unwrap().is_empty());
    }

    throttles_count_before_the_work_across_replicas(db) {
        let a = open(&db).await;
        let b = open(&db).await;
        let now = chrono::Utc::now();
        let hard = Rule { limit: 3, window: Duration::minutes(15), backoff: None };
        for store in [&a, &b, &a] {
            assert_eq!(store.throttle("k", hard, now).await.unwrap(), None);
        }
        let wait = b.throttle("k", hard, now + Duration::seconds(10)).await.unwrap();
        assert_eq!(wait, Some(Duration::minutes(15) - Duration::seconds(10)));
        // A new window begins when the old one ends.
        assert_eq!(a.throttle("k", hard, now + Duration::minutes(15)).await.unwrap(), None);
        // A burst on both replicas at once: exactly the limit is admitted.
        let burst = (0..24).map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                store.throttle("burst", Rule { limit: 5, ..hard }, now).await.unwrap()
            })
        });
        let admitted = futures_util::future::join_all(burst)
            .await
            .into_iter()
            .filter(|r| r.as_ref().unwrap().is_none())
            .count();
        assert_eq!(admitted, 5);
        // With back-off: past the limit, one more after 1 s, 2 s, 4 s … 60 s at most.
        let slow = Rule { limit: 2, window: Duration::minutes(15), backoff: Some(Duration::minutes(1)) };
        assert_eq!(a.throttle("u", slow, now).await.unwrap(), None);
        assert_eq!(b.throttle("u", slow, now).await.unwrap(), None);
        let mut at = now;
        let mut waits = Vec::new();
        for _ in 0..9 {
            let wait = a.throttle("u", slow, at).await.unwrap().expect("refused until the delay passes");
            waits.push(wait.num_seconds());
            at += wait;
            assert_eq!(b.throttle("u", slow, at).await.unwrap(), None);
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        a.forget_throttle("u").await.unwrap();
        assert_eq!(b.throttle("u", slow, at).await.unwrap(), None);
    }

    imports_are_idempotent(db) {
        let store = open(&db).await;
        let csv = "id,name,lat,lon,wheelchair,address\n\
                   a1,\"Hyde Park, \"\"north\"\"\",-33.8731,151.2111,yes,\"1\tElizabeth St\\\\x\"\n\
                   a2,Town Hall,-33.8732,151.2063,no,\n\
                   a3,Central,-33.8830,151.2065,,Eddy Ave\n";
        let first = import_csv(&store, "sydney", csv, |_| {}).await;
        assert!(first.written);
        assert_eq!((first.counts.inserted, first.counts.updated, first.counts.unchanged), (3, 0, 0));
        let snapshot = store.snapshot().await.unwrap();
        assert_eq!(snapshot.toilets.len(), 3);
        let hyde = snapshot.toilets.iter().find(|t| t.external_id.as_deref() == Some("a1")).unwrap();
        assert_eq!(hyde.name_text(), "Hyde Park, \"north\"");
        // A tab is made a space, as in every free-text field; backslashes stay.
        assert_eq!(hyde.address.as_deref(), Some("1 Elizabeth St\\\\x"));
        assert_eq!(hyde.wheelchair, Some(true));
        assert_eq!((hyde.position.lat(), hyde.position.lon()), (-33.8731, 151.2111));
        let again = import_csv(&store, "sydney", csv, |_| {}).await;
        assert_eq!((again.counts.inserted, again.counts.updated, again.counts.unchanged), (0, 0, 3));
        assert_eq!(store.snapshot().await.unwrap().seq, snapshot.seq, "an unchanged list writes nothing");
        // A dry run of a changed list counts and writes nothing.
        let changed = "id,name,lat,lon\na1,Hyde Park,-33.8731,151.2111\na2,Town Hall,-33.8732,151.2063\n";
        let dry = import_csv(&store, "sydney", changed, |o| {
            o.dry_run = true;
            o.remove_missing = true;
        })
        .await;
        assert!(!dry.written);
        assert_eq!((dry.counts.updated, dry.counts.unchanged, dry.counts.removed), (2, 0, 1));
        assert_eq!(store.snapshot().await.unwrap().seq, snapshot.seq);
        let real = import_csv(&store, "sydney", changed, |o| o.remove_missing = true).await;
        assert_eq!((real.counts.updated, real.counts.removed), (2, 1));
        let Changes::Rows { ids, toilets, .. } = store.changes_since(snapshot.seq).await.unwrap() else { panic!() };
        assert_eq!(ids.len(), 3);
        let central = toilets.iter().find(|t| t.external_id.as_deref() == Some("a3")).unwrap();
        assert_eq!(central.status, Status::Removed);
        // Others' toilets nearby with a similar name are flagged, not merged.
        let near = "name,lat,lon\nHyde Park toilets,-33.87311,151.21111\n";
        let other = import_csv(&store, "council", near, |_| {}).await;
        assert_eq!((other.counts.inserted, other.counts.possible_duplicates), (1, 1));
        // A removed toilet that comes back is reopened.
        let back = import_csv(&store, "sydney", csv, |_| {}).await;
        assert_eq!((back.counts.inserted, back.counts.updated), (0, 3));
        let reopened = store.toilet(central.id).await.unwrap().unwrap();
        assert_eq!(reopened.status, Status::Open);
    }

    a_newer_schema_is_opened_by_an_older_release(db) {
        let store = open(&db).await;
        let (org, member, _) = people(&store).await;
        store.close().await;
        // A newer release has added a column and recorded its migration.
        if db.url.starts_with("sqlite:") {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query("ALTER TABLE toilets ADD COLUMN cleaned_at TEXT").execute(&mut conn).await.unwrap();
            sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', true, x'00', 1)")
                .execute(&mut conn).await.unwrap();
        } else {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query("ALTER TABLE toilets ADD COLUMN cleaned_at TIMESTAMPTZ").execute(&mut conn).await.unwrap();
            sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', true, '\\x00', 1)")
                .execute(&mut conn).await.unwrap();
        }
        let store = open(&db).await;
        let t = store.create_toilet(draft("新表结构", 31.0, 121.0), Some(org), member).await.unwrap();
        let edited = store.update_toilet(t.id, patch(json!({"free": true})), 1, member).await.unwrap();
        assert_eq!(edited.free, Some(true));
        assert_eq!(store.snapshot().await.unwrap().toilets.len(), 1);
    }

    webhook_deliveries_are_claimed_once(db) {
        let a = open(&db).await;
        let b = open(&db).await;
        let (org, member, _) = people(&a).await;
        let t = a.create_toilet(draft("钩子", 31.0, 121.0), Some(org), member).await.unwrap();
        a.set_webhook(org, Some(("http://127.0.0.1:9/hook".into(), "s".into()))).await.unwrap();
        for client in ["c1", "c2", "c3"] {
            a.create_report(t.id, NewReport { kind: ReportKind::Dirty, note: None, contact: None }, &who(client, client)).await.unwrap();
        }
        // Two replicas' workers ask at once: each delivery goes to one of them.
        let now = chrono::Utc::now();
        let (x, y) = tokio::join!(a.due_deliveries(10, &[], now), b.due_deliveries(10, &[], now));
        let mut ids: Vec<i64> = x.unwrap().iter().chain(y.unwrap().iter()).map(|d| d.id).collect();
        ids.sort();
        assert_eq!(ids.len(), 3, "{ids:?}");
        ids.dedup();
        assert_eq!(ids.len(), 3, "a delivery was handed out twice");
        assert!(a.due_deliveries(10, &[], now).await.unwrap().is_empty(), "claimed ones are not due again at once");
    }
}
