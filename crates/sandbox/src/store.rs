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
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicUsize, Ordering},
    },
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
    /// Reads `:memory:` as [`DbLocation::Memory`], anything else as a path;
    /// an empty text is refused (SQLite would open a temporary database,
    /// and every acknowledged write would be gone after a restart).
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "" => Err(StoreError::EmptyPath),
            ":memory:" => Ok(Self::Memory),
            path => Ok(Self::File(PathBuf::from(path))),
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
///
/// Each message says what failed and names its cause once (the cause is
/// the error's `source`, not repeated in its text).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error (its message is the whole cause: not
    /// chained again as a source).
    #[error("SQLite: {0}")]
    Sqlite(rusqlite::Error),
    /// The database path is empty.
    #[error(
        "the database path (--db) is empty; give a file path, or `:memory:` for a throwaway database"
    )]
    EmptyPath,
    /// The database file could not be opened, set up or migrated.
    #[error("cannot open the database {path}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: Box<StoreError>,
    },
    /// The database opened but cannot be written.
    #[error(
        "the database {path} cannot be written (read-only file, directory or mount?); the sandbox needs to write it"
    )]
    NotWritable {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: Box<StoreError>,
    },
    /// A stored connection is not valid JSON of a connection.
    #[error("the stored connection {reference} cannot be read")]
    Corrupt {
        /// Its reference.
        reference: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A connection could not be encoded for storage.
    #[error("a connection cannot be encoded")]
    Encode(#[from] serde_json::Error),
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
    #[error("cannot create the directory {path} for the database {database}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The database file.
        database: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The blocking task running the query failed.
    #[error("the storage task failed")]
    Task(#[from] tokio::task::JoinError),
    /// A revision would overflow.
    #[error("connection {0} has reached the largest revision")]
    RevisionOverflow(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
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

/// How many read connections a file database gets beside the writer.
const READERS: usize = 4;

/// One page of connections and the total, read in one transaction.
#[derive(Debug)]
pub struct Page {
    /// How many connections there are.
    pub total: u32,
    /// The page's connections, in creation order, the readable ones.
    pub items: Vec<Connection>,
    /// The references of the page's rows that could not be read, with why.
    pub unreadable: Vec<StoreError>,
}

/// The connection store. Cheap to clone; clones share the database.
///
/// One writer connection behind a mutex serializes every write; a file
/// database also gets four read connections, which WAL lets run
/// beside the writer and each other. An in-memory database has one
/// connection for both.
#[derive(Clone)]
pub struct Store {
    writer: Arc<Mutex<rusqlite::Connection>>,
    readers: Arc<Vec<Mutex<rusqlite::Connection>>>,
    next_reader: Arc<AtomicUsize>,
}

fn configure(connection: &rusqlite::Connection) -> Result<(), StoreError> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // WAL keeps readers and the writer apart; FULL syncs the WAL on every
    // commit, so an acknowledged write survives a crash or power loss. (In
    // memory, journal_mode stays "memory".)
    let _mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

impl Store {
    /// Opens (creating when missing) and migrates the database, and checks
    /// that it can be written.
    pub fn open(location: &DbLocation) -> Result<Self, StoreError> {
        match location {
            DbLocation::Memory => {
                let mut connection = rusqlite::Connection::open_in_memory()?;
                configure(&connection)?;
                migrate(&mut connection)?;
                Ok(Self::assemble(connection, Vec::new()))
            }
            DbLocation::File(path) if path.as_os_str().is_empty() => Err(StoreError::EmptyPath),
            DbLocation::File(path) => {
                create_parent_dir(path)?;
                let context = |source: StoreError| StoreError::Open {
                    path: path.clone(),
                    source: Box::new(source),
                };
                let mut writer = rusqlite::Connection::open(path).map_err(|e| context(e.into()))?;
                configure(&writer).map_err(context)?;
                check_writable(&writer).map_err(|source| StoreError::NotWritable {
                    path: path.clone(),
                    source: Box::new(source.into()),
                })?;
                migrate(&mut writer).map_err(context)?;
                let mut readers = Vec::with_capacity(READERS);
                for _ in 0..READERS {
                    let reader = rusqlite::Connection::open_with_flags(
                        path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(|e| context(e.into()))?;
                    reader
                        .busy_timeout(BUSY_TIMEOUT)
                        .map_err(|e| context(e.into()))?;
                    readers.push(Mutex::new(reader));
                }
                Ok(Self::assemble(writer, readers))
            }
        }
    }

    fn assemble(writer: rusqlite::Connection, readers: Vec<Mutex<rusqlite::Connection>>) -> Self {
        Self {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(readers),
            next_reader: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Runs `work` on the writer in a blocking task.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || work(&mut lock(&writer))).await?
    }

    /// Runs `work` on a read connection: in place on a free one, else in a
    /// blocking task waiting for one.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        if self.readers.is_empty() {
            return self.write(work).await;
        }
        // A read of a few rows takes microseconds and WAL never makes it
        // wait for the writer: it runs right here, on a free read
        // connection when there is one, without a hop to the blocking pool.
        let readers = &self.readers;
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let count = readers.len();
        for offset in 0..count {
            if let Ok(mut reader) = readers[(start + offset) % count].try_lock() {
                return work(&mut reader);
            }
        }
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || work(&mut lock(&readers[start % count]))).await?
    }

    /// The setting `key`, storing `make()` first when it has none.
    pub async fn setting_or_insert(
        &self,
        key: &'static str,
        make: impl FnOnce() -> String + Send + 'static,
    ) -> Result<String, StoreError> {
        self.write(move |db| {
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
        self.write(move |db| {
            let body = serde_json::to_string(&connection)?;
            db.prepare_cached("INSERT INTO connections (ref, revision, body) VALUES (?1, ?2, ?3)")?
                .execute(params![
                    connection.reference,
                    connection.revision.unwrap_or(1),
                    body
                ])?;
            Ok(())
        })
        .await
    }

    /// The connection with this reference, if any.
    pub async fn get(&self, reference: String) -> Result<Option<Connection>, StoreError> {
        self.read(move |db| {
            let body: Option<String> = db
                .prepare_cached("SELECT body FROM connections WHERE ref = ?1")?
                .query_row([&reference], |row| row.get(0))
                .optional()?;
            body.map(|b| decode(&reference, &b)).transpose()
        })
        .await
    }

    /// How many connections there are.
    pub async fn count(&self) -> Result<u32, StoreError> {
        self.read(|db| Ok(db.query_row("SELECT COUNT(*) FROM connections", [], |row| row.get(0))?))
            .await
    }

    /// The total and up to `limit` connections from `offset`, in creation
    /// order, read in one transaction (a concurrent create cannot make them
    /// disagree). A row that cannot be read is left out and reported in
    /// [`Page::unreadable`]; the others are served.
    pub async fn page(&self, offset: u32, limit: u32) -> Result<Page, StoreError> {
        self.read(move |db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let total: u32 = tx
                .prepare_cached("SELECT COUNT(*) FROM connections")?
                .query_row([], |row| row.get(0))?;
            let rows = tx
                .prepare_cached(
                    "SELECT ref, body FROM connections ORDER BY seq LIMIT ?1 OFFSET ?2",
                )?
                .query_map(params![limit, offset], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            tx.finish()?;
            let mut items = Vec::with_capacity(rows.len());
            let mut unreadable = Vec::new();
            for (reference, body) in rows {
                match decode(&reference, &body) {
                    Ok(connection) => items.push(connection),
                    Err(error) => unreadable.push(error),
                }
            }
            Ok(Page {
                total,
                items,
                unreadable,
            })
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
        self.write(move |db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stored: Option<(u32, String)> = tx
                .prepare_cached("SELECT revision, body FROM connections WHERE ref = ?1")?
                .query_row([&reference], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            let Some((revision, body)) = stored else {
                return Ok(None);
            };
            let next_revision = revision
                .checked_add(1)
                .ok_or_else(|| StoreError::RevisionOverflow(reference.clone()))?;
            let mut updated = change(decode(&reference, &body)?);
            updated.reference = reference.clone();
            updated.revision = Some(next_revision);
            tx.prepare_cached("UPDATE connections SET revision = ?1, body = ?2 WHERE ref = ?3")?
                .execute(params![
                    next_revision,
                    serde_json::to_string(&updated)?,
                    reference
                ])?;
            tx.commit()?;
            Ok(Some(updated))
        })
        .await
    }
}

/// A stored body as a connection; the error names the row.
fn decode(reference: &str, body: &str) -> Result<Connection, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
        reference: reference.to_string(),
        source,
    })
}

/// Whether the database takes a write: a real one (an immediate
/// transaction that changes a row and is rolled back), as SQLite finds a
/// read-only file, directory or mount only when it first writes.
fn check_writable(connection: &rusqlite::Connection) -> Result<(), rusqlite::Error> {
    connection.execute_batch(
        "BEGIN IMMEDIATE;
         CREATE TABLE IF NOT EXISTS write_check (x INTEGER) STRICT;
         DROP TABLE write_check;
         ROLLBACK;",
    )
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
                database: path.to_path_buf(),
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
            .items
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
        let version: i64 = lock(&store.writer)
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = lock(&store.writer)
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn an_unreadable_row_is_named_and_the_page_keeps_the_rest() {
        let store = Store::open(&DbLocation::Memory).unwrap();
        for r in ["a", "b", "c"] {
            store.insert(connection(r)).await.unwrap();
        }
        lock(&store.writer)
            .execute("UPDATE connections SET body = '[' WHERE ref = 'b'", [])
            .unwrap();
        let page = store.page(0, 10).await.unwrap();
        assert_eq!(page.total, 3);
        let refs: Vec<_> = page.items.iter().map(|c| c.reference.as_str()).collect();
        assert_eq!(refs, ["a", "c"]);
        assert_eq!(page.unreadable.len(), 1);
        let message = crate::error::error_chain(&page.unreadable[0]);
        assert!(
            message.starts_with("the stored connection b cannot be read: "),
            "{message}"
        );
        let error = store.get("b".into()).await.unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { reference, .. } if reference == "b"));
    }

    #[test]
    fn an_empty_path_is_refused() {
        assert!(matches!(DbLocation::parse(""), Err(StoreError::EmptyPath)));
        assert!(matches!(
            Store::open(&DbLocation::File(PathBuf::new())),
            Err(StoreError::EmptyPath)
        ));
        assert_eq!(DbLocation::parse(":memory:").unwrap(), DbLocation::Memory);
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
        assert!(
            matches!(&error, StoreError::Open { source, .. } if matches!(**source, StoreError::NewerSchema { found: 99, .. })),
            "{error:?}"
        );
    }
}
