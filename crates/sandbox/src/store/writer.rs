//! The writer thread: the only connection to the database, committing the
//! writes in groups.
//!
//! A write is a closure queued with the channel its caller waits on. The
//! thread takes the writes queued (at most [`MAX_GROUP`]), runs each in a
//! savepoint of one transaction (a write that fails or panics is rolled
//! back alone), commits the transaction (one sync for the group), and only
//! then applies each kept write's change to the index and answers it; if
//! the commit fails, every write of the group is answered with why.

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
        mpsc,
    },
    thread::JoinHandle,
};

use rusqlite::TransactionBehavior;

use super::{Index, Row, StoreError, write_index};

/// Most writes one transaction takes: a bound on how long a write waits
/// for the group in progress.
const MAX_GROUP: usize = 128;

/// What a write changes in the index once its group is committed.
pub(super) enum IndexChange {
    /// Nothing.
    None,
    /// A new row, last in creation order.
    Push(Arc<Row>),
    /// A new revision of a row.
    Replace(Arc<Row>),
}

/// A write waiting for the writer thread.
trait Job: Send {
    /// Does the write on the group's transaction.
    fn run(&mut self, db: &rusqlite::Connection) -> Result<(), StoreError>;
    /// Its group is committed: applies its change and answers.
    fn committed(self: Box<Self>, index: &mut Index);
    /// It is not kept: answers why.
    fn failed(self: Box<Self>, error: StoreError);
    /// Whether it counts as a write (a read does not).
    fn counted(&self) -> bool;
}

/// A [`Job`] made of a closure and the channel its caller waits on.
struct Pending<T, F> {
    work: Option<F>,
    outcome: Option<(T, IndexChange)>,
    reply: tokio::sync::oneshot::Sender<Result<T, StoreError>>,
    counted: bool,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&rusqlite::Connection) -> Result<(T, IndexChange), StoreError> + Send,
{
    fn run(&mut self, db: &rusqlite::Connection) -> Result<(), StoreError> {
        let work = self.work.take().ok_or(StoreError::WritePanicked)?;
        let outcome = catch_unwind(AssertUnwindSafe(|| work(db)))
            .map_err(|_| StoreError::WritePanicked)??;
        self.outcome = Some(outcome);
        Ok(())
    }

    fn committed(self: Box<Self>, index: &mut Index) {
        let Some((value, change)) = self.outcome else {
            let _ = self.reply.send(Err(StoreError::WritePanicked));
            return;
        };
        match change {
            IndexChange::None => {}
            IndexChange::Push(row) => index.push(row),
            IndexChange::Replace(row) => index.replace(row),
        }
        let _ = self.reply.send(Ok(value));
    }

    fn failed(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }

    fn counted(&self) -> bool {
        self.counted
    }
}

/// The writer thread and the queue to it. Dropping it (with the last
/// clone of the store) ends the thread, which closes the connection and
/// releases the file.
pub(super) struct Writer {
    jobs: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    counts: Arc<Counts>,
}

/// How many writes were kept, in how many commits.
#[derive(Default)]
struct Counts {
    kept: AtomicU64,
    commits: AtomicU64,
}

/// The writer's counts: `GET /sandbox/stats` shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Writes committed.
    pub kept: u64,
    /// Commits (each one sync) they took.
    pub commits: u64,
}

impl Writer {
    /// Starts the thread on `db`; kept writes change `index`.
    pub(super) fn start(
        db: rusqlite::Connection,
        index: Arc<RwLock<Index>>,
    ) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        let counts = Arc::new(Counts::default());
        let thread = {
            let counts = counts.clone();
            std::thread::Builder::new()
                .name("sandbox-db-writer".into())
                .spawn(move || write_loop(db, &queue, &index, &counts))
                .map_err(|e| StoreError::Group(format!("cannot start the writer thread: {e}")))?
        };
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            thread: Mutex::new(Some(thread)),
            counts,
        })
    }

    /// The writes kept so far and the commits they took.
    pub(super) fn counts(&self) -> WriteCounts {
        WriteCounts {
            kept: self.counts.kept.load(Ordering::Relaxed),
            commits: self.counts.commits.load(Ordering::Relaxed),
        }
    }

    /// Queues `work` and waits until its group is committed (then its
    /// index change is applied) or it is not kept.
    pub(super) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<(T, IndexChange), StoreError> + Send + 'static,
    {
        self.queue(work, true).await
    }

    /// Has the thread run `read` between its writes (it sees what is
    /// committed, and what its group wrote before it), not counted as a
    /// write.
    pub(super) async fn read<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.queue(move |db| Ok((read(db)?, IndexChange::None)), false)
            .await
    }

    async fn queue<T, F>(&self, work: F, counted: bool) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<(T, IndexChange), StoreError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.send(Box::new(Pending {
            work: Some(work),
            outcome: None,
            reply,
            counted,
        }))?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    fn send(&self, job: Box<dyn Job>) -> Result<(), StoreError> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.as_ref()
            .ok_or(StoreError::WriterGone)?
            .send(job)
            .map_err(|_| StoreError::WriterGone)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the queue ends the loop once the queued writes are done.
        drop(self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take());
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread: takes the writes queued, up to [`MAX_GROUP`], and
/// commits them together, until the queue closes.
fn write_loop(
    mut db: rusqlite::Connection,
    queue: &mpsc::Receiver<Box<dyn Job>>,
    index: &RwLock<Index>,
    counts: &Counts,
) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&mut db, group, index, counts);
    }
}

/// One transaction for `group`, each write in a savepoint; answers each
/// write after the commit (or with why it was not kept).
fn commit_group(
    db: &mut rusqlite::Connection,
    group: Vec<Box<dyn Job>>,
    index: &RwLock<Index>,
    counts: &Counts,
) {
    let mut tx = match db.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => {
            let message = error.to_string();
            for job in group {
                job.failed(StoreError::Group(message.clone()));
            }
            return;
        }
    };
    let mut kept = Vec::with_capacity(group.len());
    for mut job in group {
        let outcome = tx
            .savepoint()
            .map_err(StoreError::from)
            .and_then(|savepoint| {
                // A write that fails leaves: dropping its savepoint undoes it.
                job.run(&savepoint)?;
                savepoint.commit()?;
                Ok(())
            });
        match outcome {
            Ok(()) => kept.push(job),
            Err(error) => job.failed(error),
        }
    }
    if kept.is_empty() {
        return;
    }
    match tx.commit() {
        Ok(()) => {
            let writes = kept.iter().filter(|job| job.counted()).count() as u64;
            if writes > 0 {
                counts.commits.fetch_add(1, Ordering::Relaxed);
                counts.kept.fetch_add(writes, Ordering::Relaxed);
            }
            let mut index = write_index(index);
            for job in kept {
                job.committed(&mut index);
            }
        }
        Err(error) => {
            let message = error.to_string();
            for job in kept {
                job.failed(StoreError::Group(message.clone()));
            }
        }
    }
}
