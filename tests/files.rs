//! Files a user must keep secret are created readable by their owner only: the SQLite
//! database and its WAL and shared-memory files (the signing key's `.env` is covered by the
//! CLI's tests).
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)] // test code

mod common;

use common::*;
use securegen::runtime::db::Db;
use serde_json::json;

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_wal_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    // Whatever the process umask, the files are 0600.
    let dir = std::env::temp_dir().join(format!("securegen-files-{}", uuid_like()));
    let file = dir.join("nested/service.db");
    let db = Db::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let app = start_on(service(), env(&[]), db).await;
    let r =
        send(app.addr, "POST", "/api/v1/notes", Some(&token("alice", &["user"])), Some(&json!({ "title": "t" }))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", file.display());
        let mode = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{path}: {e}")).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path} is {mode:o}");
    }
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}
