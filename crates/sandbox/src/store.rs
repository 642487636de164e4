//! Durable storage of connections in SQLite.
//!
//! One SQLite connection, guarded by a mutex, serves every request: writes
//! are serialized, so concurrent updates of one connection never lose an
//! increment, and each write is its own transaction. The database runs in
//! WAL mode with `synchronous=FULL`, so a write is on disk before the
//! request that made it is answered. The schema is versioned with
//! `PRAGMA user_version` and migrated forward at start.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use connections_spec::Connection;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// Where the database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbLocation {
    /// A throwaway in-memory database (`--db :memory:`).
    Memory,
    /// A database file, created with its parent directories when missing.
    File(PathBuf),
}

impl DbLocation {
    /// Reads `:memory:` as [`DbLocation::Memory`], anything else as a path.
    pub fn parse(text: &str) -> Self {
        if text == ":memory:" {
            Self::Memory
        } else {
            Self::File(PathBuf::from(text))
        }
    }
}

impl std::fmt::Display for DbLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory => f.write_str(":memory:"),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored connection is not valid JSON of a connection.
    #[error("a stored connection cannot be read: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The database was written by a newer version of the sandbox.
    #[error(
        "the database has schema version {found}, newer than the {known} this sandbox knows; use a newer sandbox or another --db"
    )]
    NewerSchema {
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// The parent directory of the database file could not be created.
    #[error("cannot create the directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The blocking task running the query failed.
    #[error("the storage task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A revision would overflow.
    #[error("connection {0} has reached the largest revision")]
    RevisionOverflow(String),
}

/// The schema migrations, in order; migration `i` brings the database to
/// `user_version = i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: settings (client key, owner reference) and the connections.
    "CREATE TABLE settings (
         key   TEXT PRIMARY KEY NOT NULL,
         value TEXT NOT NULL
     ) STRICT;
     CREATE TABLE connections (
         seq      INTEGER PRIMARY KEY AUTOINCREMENT,
         ref      TEXT NOT NULL UNIQUE,
         revision INTEGER NOT NULL CHECK (revision >= 1),
         body     TEXT NOT NULL
     ) STRICT;",
];

/// How long a statement waits for a lock held by another process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection store. Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct Store {
    database: Arc<Mutex<rusqlite::Connection>>,
}

impl Store {
    /// Opens (creating when missing) and migrates the database.
    pub fn open(location: &DbLocation) -> Result<Self, StoreError> {
        let connection = match location {
            DbLocation::Memory => rusqlite::Connection::open_in_memory()?,
            DbLocation::File(path) => {
                create_parent_dir(path)?;
                rusqlite::Connection::open(path)?
            }
        };
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // WAL keeps readers and the writer apart; FULL syncs the WAL on
        // every commit, so an acknowledged write survives a crash or power
        // loss. (In memory, journal_mode stays "memory".)
        let _mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        let mut connection = connection;
        migrate(&mut connection)?;
        Ok(Self {
            database: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` on the database in a blocking task.
    async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let database = self.database.clone();
        tokio::task::spawn_blocking(move || work(&mut lock(&database))).await?
    }

    /// The setting `key`, storing `make()` first when it has none.
    pub async fn setting_or_insert(
        &self,
        key: &'static str,
        make: impl FnOnce() -> String + Send + 'static,
    ) -> Result<String, StoreError> {
        self.run(move |db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing: Option<String> = tx
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                    row.get(0)
                })
                .optional()?;
            let value = match existing {
                Some(value) => value,
                None => {
                    let value = make();
                    tx.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                        params![key, value],
                    )?;
                    value
                }
            };
            tx.commit()?;
            Ok(value)
        })
        .await
    }

    /// Stores a new connection (its `ref` must be new).
    pub async fn insert(&self, connection: Connection) -> Result<(), StoreError> {
        self.run(move |db| {
            let body = serde_json::to_string(&connection)?;
            db.execute(
                "INSERT INTO connections (ref, revision, body) VALUES (?1, ?2, ?3)",
                params![connection.reference, connection.revision.unwrap_or(1), body],
            )?;
            Ok(())
        })
        .await
    }

    /// The connection with this reference, if any.
    pub async fn get(&self, reference: String) -> Result<Option<Connection>, StoreError> {
        self.run(move |db| {
            let body: Option<String> = db
                .query_row(
                    "SELECT body FROM connections WHERE ref = ?1",
                    [&reference],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
        })
        .await
    }

    /// How many connections there are.
    pub async fn count(&self) -> Result<u32, StoreError> {
        self.run(|db| {
            let count: u32 =
                db.query_row("SELECT COUNT(*) FROM connections", [], |row| row.get(0))?;
            Ok(count)
        })
        .await
    }

    /// Up to `limit` connections from `offset`, in creation order.
    pub async fn page(&self, offset: u32, limit: u32) -> Result<Vec<Connection>, StoreError> {
        self.run(move |db| {
            let mut statement =
                db.prepare("SELECT body FROM connections ORDER BY seq LIMIT ?1 OFFSET ?2")?;
            let bodies = statement
                .query_map(params![limit, offset], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            bodies
                .iter()
                .map(|b| serde_json::from_str(b).map_err(StoreError::from))
                .collect()
        })
        .await
    }

    /// Replaces a connection in one transaction: `change` receives the
    /// stored connection and returns the new one; its revision is set to
    /// the stored revision plus one. `None` when no connection has this
    /// reference.
    pub async fn update(
        &self,
        reference: String,
        change: impl FnOnce(Connection) -> Connection + Send + 'static,
    ) -> Result<Option<Connection>, StoreError> {
        self.run(move |db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stored: Option<(u32, String)> = tx
                .query_row(
                    "SELECT revision, body FROM connections WHERE ref = ?1",
                    [&reference],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((revision, body)) = stored else {
                return Ok(None);
            };
            let next_revision = revision
                .checked_add(1)
                .ok_or_else(|| StoreError::RevisionOverflow(reference.clone()))?;
            let mut updated = change(serde_json::from_str(&body)?);
            updated.reference = reference.clone();
            updated.revision = Some(next_revision);
            tx.execute(
                "UPDATE connections SET revision = ?1, body = ?2 WHERE ref = ?3",
                params![next_revision, serde_json::to_string(&updated)?, reference],
            )?;
            tx.commit()?;
            Ok(Some(updated))
        })
        .await
    }
}

fn lock(database: &Mutex<rusqlite::Connection>) -> MutexGuard<'_, rusqlite::Connection> {
    // A panic while the lock was held rolled back its open transaction
    // (rusqlite rolls back on drop), so the connection is still usable.
    database
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn create_parent_dir(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// Brings the schema to the newest version, one migration per transaction.
fn migrate(connection: &mut rusqlite::Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > known {
        return Err(StoreError::NewerSchema { found, known });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(reference: &str) -> Connection {
        let mut c: Connection = serde_json::from_str(include_str!(
            "../../spec/doc-examples/retrieve-a-connection.response.json"
        ))
        .unwrap();
        c.reference = reference.to_string();
        c
    }

    #[tokio::test]
    async fn stores_pages_and_updates_in_creation_order() {
        let store = Store::open(&DbLocation::Memory).unwrap();
        for r in ["c", "a", "b"] {
            store.insert(connection(r)).await.unwrap();
        }
        assert_eq!(store.count().await.unwrap(), 3);
        let refs: Vec<_> = store
            .page(1, 5)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.reference)
            .collect();
        assert_eq!(refs, ["a", "b"]);
        let updated = store
            .update("a".into(), |mut c| {
                c.name = "renamed".into();
                c
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(updated.revision, Some(2));
        assert_eq!(
            store.get("a".into()).await.unwrap().unwrap().name,
            "renamed"
        );
        assert!(store.update("zz".into(), |c| c).await.unwrap().is_none());
        assert!(store.get("zz".into()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_file_database_is_migrated_once_and_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let location = DbLocation::File(dir.path().join("nested/sandbox.db"));
        let store = Store::open(&location).unwrap();
        let key = store.setting_or_insert("k", || "v1".into()).await.unwrap();
        store.insert(connection("x")).await.unwrap();
        drop(store);
        let store = Store::open(&location).unwrap();
        assert_eq!(
            key,
            store.setting_or_insert("k", || "v2".into()).await.unwrap()
        );
        assert!(store.get("x".into()).await.unwrap().is_some());
        let version: i64 = lock(&store.database)
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = lock(&store.database)
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let error = Store::open(&DbLocation::File(path)).err().unwrap();
        assert!(matches!(error, StoreError::NewerSchema { found: 99, .. }));
    }
}
