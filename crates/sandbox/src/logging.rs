//! Request logging that does not cost the request: log lines are handed
//! to a background thread, which writes them to stderr in batches (one
//! write for all the lines waiting, flushed as soon as none is).
//!
//! A line is never dropped: when stderr cannot keep up and
//! [`QUEUE_LINES`] lines wait, the logging thread waits too.
//! [`LogFlusher::flush`] returns once every line logged before it is
//! written (the binary calls it before it exits).

use std::{
    io::{self, Write},
    sync::mpsc::{self, Receiver, SyncSender},
};

/// How many log lines may wait for the writer thread.
pub const QUEUE_LINES: usize = 16 * 1024;

enum Message {
    Line(Vec<u8>),
    Flush(SyncSender<()>),
}

/// A `tracing_subscriber` writer that queues each event for the background
/// thread. Cheap to clone.
#[derive(Clone)]
pub struct BackgroundWriter {
    queue: SyncSender<Message>,
}

/// Waits for the background thread to write what was queued.
#[derive(Clone)]
pub struct LogFlusher {
    queue: SyncSender<Message>,
}

impl LogFlusher {
    /// Returns once every line queued before this call is written and
    /// flushed (or the writer thread is gone).
    pub fn flush(&self) {
        let (done, wait) = mpsc::sync_channel(1);
        if self.queue.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }
}

/// Starts the writer thread writing to `sink` (stderr for the binary).
pub fn background_writer(
    sink: impl Write + Send + 'static,
) -> io::Result<(BackgroundWriter, LogFlusher)> {
    let (queue, lines) = mpsc::sync_channel(QUEUE_LINES);
    std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_lines(lines, sink))?;
    Ok((
        BackgroundWriter {
            queue: queue.clone(),
        },
        LogFlusher { queue },
    ))
}

fn write_lines(lines: Receiver<Message>, sink: impl Write) {
    let mut out = io::BufWriter::with_capacity(64 * 1024, sink);
    let mut flushed = Vec::new();
    while let Ok(first) = lines.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Line(line) => {
                    let _ = out.write_all(&line);
                }
                Message::Flush(done) => flushed.push(done),
            }
            next = lines.try_recv().ok();
        }
        let _ = out.flush();
        for done in flushed.drain(..) {
            let _ = done.send(());
        }
    }
    let _ = out.flush();
}

impl Write for BackgroundWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.queue
            .send(Message::Line(buf.to_vec()))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the log writer stopped"))?;
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
