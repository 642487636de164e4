//! Request logging that does not cost the request: log lines are
//! appended to a buffer in memory and written to stderr in batches, by a
//! background thread every [`FLUSH_INTERVAL`] or by the logging thread
//! when [`BATCH_BYTES`] wait, so a request costs no system call and wakes
//! no thread. Lines keep their order and none is dropped;
//! [`LogFlusher::flush`] writes what waits (the binary calls it before it
//! exits).

use std::{
    io::{self, Write},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

/// How often the background thread writes what waits.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// How many bytes may wait before the logging thread writes them itself.
pub const BATCH_BYTES: usize = 64 * 1024;

struct Shared {
    /// The lines waiting.
    pending: Mutex<Vec<u8>>,
    /// Where they go; held while a batch is taken and written, so batches
    /// are written in order.
    sink: Mutex<Box<dyn Write + Send>>,
}

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn write_pending(&self) {
        let mut sink = lock(&self.sink);
        let batch = std::mem::take(&mut *lock(&self.pending));
        if !batch.is_empty() {
            let _ = sink.write_all(&batch);
            let _ = sink.flush();
        }
    }
}

/// A `tracing_subscriber` writer that appends each event to the batch.
/// Cheap to clone.
#[derive(Clone)]
pub struct BackgroundWriter {
    shared: Arc<Shared>,
}

/// Writes what waits.
#[derive(Clone)]
pub struct LogFlusher {
    shared: Arc<Shared>,
}

impl LogFlusher {
    /// Returns once every line logged before this call is written.
    pub fn flush(&self) {
        self.shared.write_pending();
    }
}

/// Starts the thread writing batches to `sink` (stderr for the binary).
pub fn background_writer(
    sink: impl Write + Send + 'static,
) -> io::Result<(BackgroundWriter, LogFlusher)> {
    let shared = Arc::new(Shared {
        pending: Mutex::new(Vec::with_capacity(BATCH_BYTES)),
        sink: Mutex::new(Box::new(sink)),
    });
    let weak = Arc::downgrade(&shared);
    std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || {
            // Ends when the writers are gone.
            while let Some(shared) = weak.upgrade() {
                shared.write_pending();
                drop(shared);
                std::thread::sleep(FLUSH_INTERVAL);
            }
        })?;
    Ok((
        BackgroundWriter {
            shared: shared.clone(),
        },
        LogFlusher { shared },
    ))
}

impl Write for BackgroundWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let full = {
            let mut pending = lock(&self.shared.pending);
            pending.extend_from_slice(buf);
            pending.len() >= BATCH_BYTES
        };
        if full {
            self.shared.write_pending();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BackgroundWriter {
    type Writer = BackgroundWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A sink the test can read, counting the writes it received.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut inner = self.0.lock().unwrap();
            inner.0.extend_from_slice(buf);
            inner.1 += 1;
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_written_by_the_background_thread_without_a_flush() {
        let sink = Shared::default();
        let (mut writer, _flusher) = background_writer(sink.clone()).unwrap();
        writer.write_all(b"one line\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while sink.0.lock().unwrap().0.is_empty() {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(sink.0.lock().unwrap().0, b"one line\n");
    }

    #[test]
    fn every_line_arrives_in_order_in_few_writes_and_flush_waits_for_them() {
        let sink = Shared::default();
        let (writer, flusher) = background_writer(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..5000 {
                        writer.write_all(format!("{t} {i}\n").as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        flusher.flush();
        let (bytes, writes) = sink.0.lock().unwrap().clone();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().count(), 20_000);
        for t in 0..4 {
            let mine: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{t} ")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(mine, (0..5000).collect::<Vec<_>>(), "thread {t} in order");
        }
        assert!(writes < 20_000, "{writes} writes for 20000 lines");
    }
}
