//! Durable storage of connections in SQLite, served from memory.
//!
//! SQLite is the record. One writer thread owns the only connection and
//! does the writes one after another, so concurrent updates of one
//! connection never lose an increment. It commits them in groups: the
//! writes that queued while a commit was being synced share the next
//! transaction, each in a savepoint of its own (a write that fails is
//! undone alone), and the group costs one sync (see the `writer` module). The
//! database runs in WAL mode with `synchronous=FULL`, and no write is
//! answered before its group's commit is on disk. The schema is versioned
//! with `PRAGMA user_version` and migrated forward at start.
//!
//! Reads of real connections never touch SQLite: the rows are loaded at
//! start into an index in memory, which each write updates after its
//! commit and before it returns (a write that fails changes nothing
//! there). A GET or a list page takes a read lock for the time of a
//! lookup, never waits for a write's sync, and costs no system call. A
//! connection larger than [`RESIDENT_LIMIT`] keeps only its place in the
//! index; its body is read by the writer thread when asked for, so memory
//! follows the number of connections, not the bytes stored. A [`Quota`]
//! bounds both. For the index to stay the truth, the
//! sandbox holds the database file exclusively while it runs
//! (`locking_mode=EXCLUSIVE`): another process that opens it, a second
//! sandbox or a hand edit, is told the database is locked instead of
//! changing rows behind the index.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, OnceLock, RwLock},
    time::Duration,
};

use axum::body::Bytes;
use connections_spec::Connection;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

mod writer;

pub use writer::WriteCounts;
use writer::{IndexChange, Writer};

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
    /// The file system refused a write (see [`StoreError::NotWritable`]).
    #[error("{0}")]
    Io(std::io::Error),
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
        /// What serde said (shared: the row stays unreadable, and each
        /// read of it reports the same cause).
        source: Arc<serde_json::Error>,
    },
    /// Another process holds the database file.
    #[error(
        "the database {path} is in use by another process (another sandbox?); each sandbox needs a database of its own"
    )]
    InUse {
        /// The database file.
        path: PathBuf,
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
    /// The writer thread is gone (the store is shutting down, or a write
    /// panicked it).
    #[error("the database writer has stopped")]
    WriterGone,
    /// A write panicked; its savepoint was rolled back.
    #[error("a write failed unexpectedly and was undone")]
    WritePanicked,
    /// The transaction of the write's group could not begin or commit:
    /// nothing of the group was kept.
    #[error("the write was not kept: {0}")]
    Group(String),
    /// A revision would overflow.
    #[error("connection {0} has reached the largest revision")]
    RevisionOverflow(String),
    /// The write would take the store past its [`Quota`].
    #[error("{0}")]
    Full(String),
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

/// Connections a sandbox stores when nothing else is said.
pub const DEFAULT_MAX_STORED_CONNECTIONS: u32 = 10_000;
/// MiB of stored connections (their JSON) when nothing else is said.
pub const DEFAULT_MAX_STORED_MIB: u64 = 100;

/// How much a store may hold: a create or an update past it is refused
/// with [`StoreError::Full`], and nothing is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Connections stored at most.
    pub max_connections: u32,
    /// Bytes of stored connections, as their JSON, at most.
    pub max_bytes: u64,
}

impl Default for Quota {
    /// [`DEFAULT_MAX_STORED_CONNECTIONS`] and [`DEFAULT_MAX_STORED_MIB`].
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_STORED_CONNECTIONS,
            max_bytes: DEFAULT_MAX_STORED_MIB * 1024 * 1024,
        }
    }
}

/// What the store holds, against its quota. Only the writer thread
/// changes it, one write after another, so a check and its write agree.
#[derive(Debug)]
struct Usage {
    quota: Quota,
    connections: u32,
    bytes: u64,
}

impl Usage {
    /// Whether `added` more connections and a change of the stored bytes
    /// from `old` to `new` fit.
    fn admit(&self, added: u32, old: u64, new: u64) -> Result<(), StoreError> {
        let connections = self.connections.saturating_add(added);
        if connections > self.quota.max_connections {
            return Err(StoreError::Full(format!(
                "the sandbox stores at most {} connections (--max-stored-connections), and holds {}",
                self.quota.max_connections, self.connections
            )));
        }
        let bytes = self.bytes.saturating_sub(old).saturating_add(new);
        if new > old && bytes > self.quota.max_bytes {
            return Err(StoreError::Full(format!(
                "the sandbox stores at most {} bytes of connections (--max-stored-mib), holds {}, \
                 and this connection is {new} bytes",
                self.quota.max_bytes, self.bytes
            )));
        }
        Ok(())
    }

    fn apply(&mut self, added: u32, old: u64, new: u64) {
        self.connections = self.connections.saturating_add(added);
        self.bytes = self.bytes.saturating_sub(old).saturating_add(new);
    }
}

/// One page of connections and the total, read under one lock.
#[derive(Debug)]
pub struct Page {
    /// How many connections there are.
    pub total: u32,
    /// The page's connections, in creation order, the readable ones.
    pub items: Vec<Arc<Row>>,
    /// The references of the page's rows that could not be read, with why.
    pub unreadable: Vec<StoreError>,
}

/// The largest stored connection (its JSON, in bytes) the index keeps in
/// memory; a larger one is read from the database each time it is asked
/// for. Real connections are a few KiB: memory then follows the count of
/// connections, not the bytes a caller stored.
pub const RESIDENT_LIMIT: usize = 16 * 1024;

/// One stored connection as the index holds it.
#[derive(Debug)]
pub struct Row {
    reference: String,
    content: Content,
}

/// What the index keeps of a row.
#[derive(Debug)]
enum Content {
    /// In memory: the connection (or why its JSON cannot be read) and the
    /// bytes the API answers for it, once made.
    Resident {
        connection: Box<Result<Connection, Arc<serde_json::Error>>>,
        view: OnceLock<Bytes>,
    },
    /// Larger than [`RESIDENT_LIMIT`]: in the database only.
    OnDisk,
}

impl Row {
    /// A row of a connection whose JSON is `size` bytes.
    fn new(
        reference: String,
        connection: Result<Connection, Arc<serde_json::Error>>,
        size: usize,
    ) -> Arc<Self> {
        let content = match connection {
            Ok(_) if size > RESIDENT_LIMIT => Content::OnDisk,
            connection => Content::Resident {
                connection: Box::new(connection),
                view: OnceLock::new(),
            },
        };
        Arc::new(Self { reference, content })
    }

    /// Whether the index keeps it in memory (else it is read from the
    /// database when asked for: see [`RESIDENT_LIMIT`]).
    pub fn is_resident(&self) -> bool {
        matches!(self.content, Content::Resident { .. })
    }

    /// `Ok` unless its stored JSON cannot be read (then why).
    pub fn readable(&self) -> Result<(), StoreError> {
        match &self.content {
            Content::Resident { connection, .. } => match connection.as_ref() {
                Err(source) => Err(StoreError::Corrupt {
                    reference: self.reference.clone(),
                    source: source.clone(),
                }),
                Ok(_) => Ok(()),
            },
            Content::OnDisk => Ok(()),
        }
    }
}

/// The rows in creation order, and where each reference is.
#[derive(Default)]
struct Index {
    rows: Vec<Arc<Row>>,
    positions: HashMap<String, usize>,
}

impl Index {
    fn push(&mut self, row: Arc<Row>) {
        self.positions
            .insert(row.reference.clone(), self.rows.len());
        self.rows.push(row);
    }

    fn get(&self, reference: &str) -> Option<&Arc<Row>> {
        self.positions.get(reference).map(|&at| &self.rows[at])
    }

    fn replace(&mut self, row: Arc<Row>) {
        match self.positions.get(&row.reference) {
            Some(&at) => self.rows[at] = row,
            None => self.push(row),
        }
    }
}

/// The connection store. Cheap to clone; clones share the database.
///
/// The writer thread does every write; the index in memory serves every
/// read.
#[derive(Clone)]
pub struct Store {
    writer: Arc<Writer>,
    index: Arc<RwLock<Index>>,
    usage: Arc<std::sync::Mutex<Usage>>,
}

fn configure(connection: &rusqlite::Connection) -> Result<(), StoreError> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // The index in memory is the truth only while nobody else writes the
    // file: hold it exclusively (set before WAL, so the WAL index lives in
    // memory and no `-shm` file is shared).
    let _mode: String =
        connection.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |row| row.get(0))?;
    // WAL keeps the log apart from the file; FULL syncs the WAL on every
    // commit, so an acknowledged write survives a crash or power loss. (In
    // memory, journal_mode stays "memory".)
    let _mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Every stored row, in creation order, decoded (or with why not), and
/// the bytes they take.
fn load(connection: &rusqlite::Connection) -> Result<(Index, u64), StoreError> {
    let mut index = Index::default();
    let mut bytes = 0u64;
    let mut statement = connection.prepare("SELECT ref, body FROM connections ORDER BY seq")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (reference, body) = row?;
        bytes += body.len() as u64;
        let content = serde_json::from_str(&body).map_err(Arc::new);
        index.push(Row::new(reference, content, body.len()));
    }
    Ok((index, bytes))
}

/// Whether SQLite said another connection holds the database.
fn is_busy(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _))
            if matches!(failure.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl Store {
    /// Opens (creating when missing) and migrates the database, checks
    /// that it can be written, takes it exclusively and loads its rows.
    pub fn open(location: &DbLocation) -> Result<Self, StoreError> {
        match location {
            DbLocation::Memory => {
                let mut connection = rusqlite::Connection::open_in_memory()?;
                configure(&connection)?;
                migrate(&mut connection)?;
                Self::assemble(connection)
            }
            DbLocation::File(path) if path.as_os_str().is_empty() => Err(StoreError::EmptyPath),
            DbLocation::File(path) => {
                create_parent_dir(path)?;
                let context = |source: StoreError| {
                    if is_busy(&source) {
                        return StoreError::InUse { path: path.clone() };
                    }
                    // SQLite says "disk I/O error" or "unable to open" when
                    // it cannot create its log beside a read-only file:
                    // name the real cause.
                    if let Err(io) = probe_writable(path) {
                        return StoreError::NotWritable {
                            path: path.clone(),
                            source: Box::new(StoreError::Io(io)),
                        };
                    }
                    StoreError::Open {
                        path: path.clone(),
                        source: Box::new(source),
                    }
                };
                let mut writer = rusqlite::Connection::open(path).map_err(|e| context(e.into()))?;
                configure(&writer).map_err(context)?;
                check_writable(&writer).map_err(|source| {
                    let source = StoreError::from(source);
                    if is_busy(&source) {
                        return StoreError::InUse { path: path.clone() };
                    }
                    StoreError::NotWritable {
                        path: path.clone(),
                        source: Box::new(source),
                    }
                })?;
                migrate(&mut writer).map_err(context)?;
                Self::assemble(writer).map_err(context)
            }
        }
    }

    fn assemble(writer: rusqlite::Connection) -> Result<Self, StoreError> {
        let (index, bytes) = load(&writer)?;
        let usage = Usage {
            quota: Quota::default(),
            connections: u32::try_from(index.rows.len()).unwrap_or(u32::MAX),
            bytes,
        };
        let index = Arc::new(RwLock::new(index));
        Ok(Self {
            writer: Arc::new(Writer::start(writer, index.clone())?),
            index,
            usage: Arc::new(std::sync::Mutex::new(usage)),
        })
    }

    /// The same store under `quota` (what it holds already stays, even
    /// past it; further writes are judged by it).
    pub fn with_quota(self, quota: Quota) -> Self {
        self.usage().quota = quota;
        self
    }

    fn usage(&self) -> std::sync::MutexGuard<'_, Usage> {
        self.usage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many connections and bytes the store holds, and its quota.
    pub fn usage_now(&self) -> (u32, u64, Quota) {
        let usage = self.usage();
        (usage.connections, usage.bytes, usage.quota)
    }

    /// Has the writer thread do `work` (see the `writer` module).
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<(T, IndexChange), StoreError> + Send + 'static,
    {
        self.writer.write(work).await
    }

    fn read_index(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The setting `key`, storing `make()` first when it has none.
    pub async fn setting_or_insert(
        &self,
        key: &'static str,
        make: impl FnOnce() -> String + Send + 'static,
    ) -> Result<String, StoreError> {
        self.write(move |db| {
            let existing: Option<String> = db
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                    row.get(0)
                })
                .optional()?;
            let value = match existing {
                Some(value) => value,
                None => {
                    let value = make();
                    db.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                        params![key, value],
                    )?;
                    value
                }
            };
            Ok((value, IndexChange::None))
        })
        .await
    }

    /// Stores a new connection (its `ref` must be new).
    pub async fn insert(&self, connection: Connection) -> Result<(), StoreError> {
        let usage = self.usage.clone();
        self.write(move |db| {
            let body = serde_json::to_string(&connection)?;
            let size = body.len() as u64;
            let mut usage = usage.lock().unwrap_or_else(|p| p.into_inner());
            usage.admit(1, 0, size)?;
            db.prepare_cached("INSERT INTO connections (ref, revision, body) VALUES (?1, ?2, ?3)")?
                .execute(params![
                    connection.reference,
                    connection.revision.unwrap_or(1),
                    body
                ])?;
            usage.apply(1, 0, size);
            let row = Row::new(connection.reference.clone(), Ok(connection), size as usize);
            Ok(((), IndexChange::Push(row)))
        })
        .await
    }

    /// The row with this reference, if any.
    pub fn row(&self, reference: &str) -> Option<Arc<Row>> {
        self.read_index().get(reference).cloned()
    }

    /// The connection with this reference, if any.
    pub async fn get(&self, reference: &str) -> Result<Option<Connection>, StoreError> {
        match self.row(reference) {
            Some(row) => self.connection_of(&row).await.map(Some),
            None => Ok(None),
        }
    }

    /// The connection of a row: from memory, or (a large one) from the
    /// database, by the writer thread between its writes.
    pub async fn connection_of(&self, row: &Row) -> Result<Connection, StoreError> {
        match &row.content {
            Content::Resident { connection, .. } => {
                (**connection)
                    .clone()
                    .map_err(|source| StoreError::Corrupt {
                        reference: row.reference.clone(),
                        source,
                    })
            }
            Content::OnDisk => {
                let reference = row.reference.clone();
                self.writer
                    .read(move |db| {
                        let body: String = db
                            .prepare_cached("SELECT body FROM connections WHERE ref = ?1")?
                            .query_row([&reference], |row| row.get(0))?;
                        serde_json::from_str(&body).map_err(|source| StoreError::Corrupt {
                            reference,
                            source: Arc::new(source),
                        })
                    })
                    .await
            }
        }
    }

    /// The bytes the API answers for a row, made by `render`: kept with a
    /// row in memory (a write replaces the row, so they never go stale),
    /// made anew for a large one.
    pub async fn view_of(
        &self,
        row: &Row,
        render: impl FnOnce(&Connection) -> Result<Vec<u8>, serde_json::Error>,
    ) -> Result<Bytes, StoreError> {
        if let Content::Resident { view, .. } = &row.content
            && let Some(bytes) = view.get()
        {
            return Ok(bytes.clone());
        }
        let bytes = Bytes::from(render(&self.connection_of(row).await?)?);
        if let Content::Resident { view, .. } = &row.content {
            // Two first reads at once render the same bytes; either is kept.
            let _ = view.set(bytes.clone());
        }
        Ok(bytes)
    }

    /// The writes kept so far and the commits (syncs) they took.
    pub fn write_counts(&self) -> WriteCounts {
        self.writer.counts()
    }

    /// How many connections there are.
    pub fn count(&self) -> u32 {
        u32::try_from(self.read_index().rows.len()).unwrap_or(u32::MAX)
    }

    /// The total and up to `limit` connections from `offset`, in creation
    /// order, read under one lock (a concurrent create cannot make them
    /// disagree). A row that cannot be read is left out and reported in
    /// [`Page::unreadable`]; the others are served.
    pub fn page(&self, offset: u32, limit: u32) -> Page {
        let index = self.read_index();
        let total = u32::try_from(index.rows.len()).unwrap_or(u32::MAX);
        let start = usize::try_from(offset).map_or(index.rows.len(), |o| o.min(index.rows.len()));
        let end = start
            .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
            .min(index.rows.len());
        let mut items = Vec::with_capacity(end - start);
        let mut unreadable = Vec::new();
        for row in &index.rows[start..end] {
            match row.readable() {
                Ok(()) => items.push(row.clone()),
                Err(error) => unreadable.push(error),
            }
        }
        Page {
            total,
            items,
            unreadable,
        }
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
        let usage = self.usage.clone();
        self.write(move |db| {
            let stored: Option<(u32, String)> = db
                .prepare_cached("SELECT revision, body FROM connections WHERE ref = ?1")?
                .query_row([&reference], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            let Some((revision, body)) = stored else {
                return Ok((None, IndexChange::None));
            };
            let next_revision = revision
                .checked_add(1)
                .ok_or_else(|| StoreError::RevisionOverflow(reference.clone()))?;
            let stored = serde_json::from_str(&body).map_err(|source| StoreError::Corrupt {
                reference: reference.clone(),
                source: Arc::new(source),
            })?;
            let mut updated = change(stored);
            updated.reference = reference.clone();
            updated.revision = Some(next_revision);
            let new_body = serde_json::to_string(&updated)?;
            let (old, new) = (body.len() as u64, new_body.len() as u64);
            let mut usage = usage.lock().unwrap_or_else(|p| p.into_inner());
            usage.admit(0, old, new)?;
            db.prepare_cached("UPDATE connections SET revision = ?1, body = ?2 WHERE ref = ?3")?
                .execute(params![next_revision, new_body, reference])?;
            usage.apply(0, old, new);
            let row = Row::new(reference, Ok(updated.clone()), new_body.len());
            Ok((Some(updated), IndexChange::Replace(row)))
        })
        .await
    }
}

fn write_index(index: &RwLock<Index>) -> std::sync::RwLockWriteGuard<'_, Index> {
    index.write().unwrap_or_else(|p| p.into_inner())
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

/// Whether the file system lets the sandbox write the database file and
/// create the files SQLite keeps beside it: `Err` with the operating
/// system's answer (a read-only mount, a file or directory without write
/// permission) when not.
fn probe_writable(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        std::fs::OpenOptions::new().append(true).open(path)?;
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let probe = directory.join(format!(".sandbox-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)?;
    std::fs::remove_file(probe)
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
        assert_eq!(store.count(), 3);
        let refs: Vec<_> = store
            .page(1, 5)
            .items
            .iter()
            .map(|row| row.reference.clone())
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
        assert_eq!(store.get("a").await.unwrap().unwrap().name, "renamed");
        assert_eq!(store.get("a").await.unwrap().unwrap().revision, Some(2));
        assert!(store.update("zz".into(), |c| c).await.unwrap().is_none());
        assert!(store.get("zz").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_large_row_is_kept_on_disk_and_read_from_there() {
        let dir = tempfile::tempdir().unwrap();
        let location = DbLocation::File(dir.path().join("large.db"));
        let store = Store::open(&location).unwrap();
        let mut large = connection("large");
        large.description = Some("d".repeat(RESIDENT_LIMIT));
        store.insert(large.clone()).await.unwrap();
        store.insert(connection("small")).await.unwrap();
        let writes = store.write_counts();
        let row = store.row("large").unwrap();
        assert!(!row.is_resident());
        assert_eq!(store.connection_of(&row).await.unwrap(), large);
        assert!(store.row("small").unwrap().is_resident());
        assert_eq!(store.get("large").await.unwrap(), Some(large.clone()));
        assert_eq!(store.write_counts(), writes, "a read is not a write");
        // The same after a restart.
        drop(store);
        let store = Store::open(&location).unwrap();
        assert!(!store.row("large").unwrap().is_resident());
        assert_eq!(store.get("large").await.unwrap(), Some(large));
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
        assert!(store.get("x").await.unwrap().is_some());
        let (version, mode): (i64, String) = store
            .write(|db| {
                let version = db.query_row("PRAGMA user_version", [], |row| row.get(0))?;
                let mode = db.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
                Ok(((version, mode), IndexChange::None))
            })
            .await
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn an_unreadable_row_is_named_and_the_page_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let location = DbLocation::File(dir.path().join("rows.db"));
        let store = Store::open(&location).unwrap();
        for r in ["a", "b", "c"] {
            store.insert(connection(r)).await.unwrap();
        }
        drop(store);
        rusqlite::Connection::open(dir.path().join("rows.db"))
            .unwrap()
            .execute("UPDATE connections SET body = '[' WHERE ref = 'b'", [])
            .unwrap();
        let store = Store::open(&location).unwrap();
        let page = store.page(0, 10);
        assert_eq!(page.total, 3);
        let refs: Vec<_> = page.items.iter().map(|row| row.reference.clone()).collect();
        assert_eq!(refs, ["a", "c"]);
        assert_eq!(page.unreadable.len(), 1);
        let message = crate::error::error_chain(&page.unreadable[0]);
        assert!(
            message.starts_with("the stored connection b cannot be read: "),
            "{message}"
        );
        let error = store.get("b").await.unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { reference, .. } if reference == "b"));
        let error = store.update("b".into(), |c| c).await.unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { reference, .. } if reference == "b"));
    }

    #[tokio::test]
    async fn reads_see_each_acknowledged_write_and_nothing_of_a_failed_one() {
        let store = Store::open(&DbLocation::Memory).unwrap();
        store.insert(connection("a")).await.unwrap();
        let before = store.row("a").unwrap();
        let view = store
            .view_of(&before, |c| serde_json::to_vec(&c.name))
            .await
            .unwrap();
        assert_eq!(&view[..], br#""Weather Data System""#.as_slice());
        // The same ref again breaks the UNIQUE constraint: nothing changes.
        let mut duplicate = connection("a");
        duplicate.name = "duplicate".into();
        assert!(store.insert(duplicate).await.is_err());
        assert_eq!(store.count(), 1);
        assert_eq!(
            store.get("a").await.unwrap().unwrap().name,
            "Weather Data System"
        );
        store
            .update("a".into(), |mut c| {
                c.name = "renamed".into();
                c
            })
            .await
            .unwrap();
        let after = store.row("a").unwrap();
        let view = store
            .view_of(&after, |c| serde_json::to_vec(&c.name))
            .await
            .unwrap();
        assert_eq!(&view[..], br#""renamed""#.as_slice());
        // A row read before the write keeps its own revision's bytes.
        assert_eq!(
            &store.view_of(&before, |_| unreachable!()).await.unwrap()[..],
            br#""Weather Data System""#.as_slice()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_commits_and_a_failing_one_is_undone_alone() {
        let dir = tempfile::tempdir().unwrap();
        let location = DbLocation::File(dir.path().join("group.db"));
        let store = Store::open(&location).unwrap();
        store.insert(connection("counted")).await.unwrap();
        let mut writes = Vec::new();
        for i in 0..60 {
            let store = store.clone();
            writes.push(tokio::spawn(async move {
                match i % 3 {
                    // A duplicate ref breaks the UNIQUE constraint.
                    0 => store.insert(connection("counted")).await.map(|()| 0),
                    1 => store
                        .update("counted".into(), |c| c)
                        .await
                        .map(|c| c.and_then(|c| c.revision).unwrap_or(0)),
                    _ => store
                        .insert(connection(&format!("new {i}")))
                        .await
                        .map(|()| 0),
                }
            }));
        }
        let mut revisions = Vec::new();
        for (i, write) in writes.into_iter().enumerate() {
            let outcome = write.await.unwrap();
            match i % 3 {
                0 => assert!(outcome.is_err(), "a duplicate ref was stored"),
                1 => revisions.push(outcome.unwrap()),
                _ => assert_eq!(outcome.unwrap(), 0),
            }
        }
        revisions.sort_unstable();
        assert_eq!(revisions, (2..=21).collect::<Vec<u32>>());
        assert_eq!(store.count(), 21);
        // The first insert and the 40 writes that were kept.
        let counts = store.write_counts();
        assert_eq!(counts.kept, 41);
        assert!((1..=41).contains(&counts.commits), "{counts:?}");
        // All of it is in the file, the same after a restart.
        drop(store);
        let store = Store::open(&location).unwrap();
        assert_eq!(store.count(), 21);
        assert_eq!(
            store.get("counted").await.unwrap().unwrap().revision,
            Some(21)
        );
    }

    #[tokio::test]
    async fn a_write_that_panics_is_undone_and_the_writer_goes_on() {
        let store = Store::open(&DbLocation::Memory).unwrap();
        store.insert(connection("a")).await.unwrap();
        let error = store
            .update("a".into(), |_| panic!("a change that panics"))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::WritePanicked), "{error:?}");
        assert_eq!(store.get("a").await.unwrap().unwrap().revision, Some(1));
        let updated = store.update("a".into(), |c| c).await.unwrap().unwrap();
        assert_eq!(updated.revision, Some(2));
    }

    #[test]
    fn the_file_is_held_exclusively_while_the_store_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("held.db");
        let location = DbLocation::File(path.clone());
        let store = Store::open(&location).unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        other.busy_timeout(Duration::from_millis(10)).unwrap();
        let edit = other.execute("UPDATE settings SET value = 'x'", []);
        assert!(edit.is_err(), "another connection wrote the held file");
        drop(other);
        // A second sandbox on the file is told so (after the busy timeout).
        let error = Store::open(&location).err().unwrap();
        assert!(
            matches!(&error, StoreError::InUse { path: p } if *p == path),
            "{error:?}"
        );
        assert!(error.to_string().contains("in use by another process"));
        drop(store);
        let reopened = Store::open(&location).unwrap();
        assert_eq!(reopened.count(), 0);
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
