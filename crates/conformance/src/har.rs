//! `--har PATH`: every exchange of a live run as an HTTP Archive (HAR 1.2),
//! which browsers' developer tools and proxies open.
//!
//! The archive is written as the run goes, nothing of it held in memory:
//! after every exchange the file is a whole HAR document (the entry is
//! written over the closing brackets, which follow it again), so a run
//! killed midway leaves a valid record of what it sent. The token is
//! written as `$CONNECTIONS_TOKEN`, and every secret is redacted in each
//! value before the value is encoded; bodies are kept whole (up to the
//! size the transport reads).

use std::{
    fs::File,
    io::{BufWriter, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Serialize;
use serde_json::Value;

use crate::{
    exchange::{Credentials, Planned, Received, TOKEN_VARIABLE},
    report::Redactor,
};

/// One name/value pair (a header or a query parameter).
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
}

/// How much of each body the archive keeps (a connection is at most
/// 1 MiB; a longer answer is cut, and its entry says so).
pub const HAR_BODY_LIMIT: usize = 1024 * 1024;

/// What closes the archive after its last entry.
const CLOSE: &[u8] = b"\n]}}\n";

/// The archive of a run, written to its file as the run goes.
#[derive(Debug)]
pub(crate) struct HarFile {
    path: PathBuf,
    /// Created with the first entry (a run that sends nothing, refused at
    /// its preflight, writes no file).
    out: Option<BufWriter<File>>,
    entries: usize,
    secrets: Redactor,
    /// The first write that failed; the run goes on, and says so at its end.
    failed: Option<std::io::Error>,
}

impl HarFile {
    /// An archive to be written at `path`, each value redacted by `secrets`.
    pub(crate) fn new(path: PathBuf, secrets: Redactor) -> Self {
        Self {
            path,
            out: None,
            entries: 0,
            secrets,
            failed: None,
        }
    }

    /// Adds an exchange; `received` is `None` when no answer came.
    pub(crate) fn push(
        &mut self,
        planned: &Planned,
        received: Option<&Received>,
        started: chrono::DateTime<chrono::Utc>,
        took: Duration,
    ) {
        if self.failed.is_some() {
            return;
        }
        let mut entry = entry(planned, received, started, took, &self.secrets);
        redact(&mut entry, &self.secrets);
        if let Err(error) = self.append(&entry) {
            self.failed = Some(error);
        }
    }

    fn append(&mut self, entry: &Value) -> std::io::Result<()> {
        let out = match &mut self.out {
            Some(out) => {
                out.seek(SeekFrom::End(-(CLOSE.len() as i64)))?;
                out.write_all(b",")?;
                out
            }
            None => self.out.insert(open(&self.path)?),
        };
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut *out, entry)?;
        out.write_all(CLOSE)?;
        out.flush()?;
        self.entries += 1;
        Ok(())
    }

    /// Closes the archive (an empty one when no exchange was made): how
    /// many exchanges it holds, or why it could not be written.
    pub(crate) fn finish(mut self) -> std::io::Result<(usize, PathBuf)> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        if self.out.is_none() {
            let mut out = open(&self.path)?;
            out.write_all(CLOSE)?;
            out.flush()?;
        }
        Ok((self.entries, self.path))
    }
}

/// Creates the file with the archive's head, up to its first entry.
fn open(path: &Path) -> std::io::Result<BufWriter<File>> {
    let mut out = BufWriter::new(File::create(path)?);
    let creator = serde_json::json!({
        "name": "connections-conformance",
        "version": env!("CARGO_PKG_VERSION"),
    });
    write!(
        out,
        "{{\"log\": {{\"version\": \"1.2\", \"creator\": {creator}, \"entries\": ["
    )?;
    Ok(out)
}

/// An answer's body as HAR content: its first [`HAR_BODY_LIMIT`] bytes,
/// redacted before the cut.
fn content(received: &Received, secrets: &Redactor) -> Value {
    let (text, cut) = secrets.scrub_prefix(&received.text, HAR_BODY_LIMIT);
    let mut content = serde_json::json!({
        "size": received.text.len(),
        "mimeType": received.content_type.clone().unwrap_or_default(),
        "text": text,
    });
    if cut {
        content["comment"] = Value::from(format!(
            "cut to its first {} of {} bytes",
            text.len(),
            received.text.len()
        ));
    }
    content
}

/// Replaces every secret in every string of `value`.
fn redact(value: &mut Value, secrets: &Redactor) {
    match value {
        Value::String(text) => *text = secrets.scrub(text),
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, secrets)),
        Value::Object(members) => members.values_mut().for_each(|v| redact(v, secrets)),
        _ => {}
    }
}

/// One exchange as a HAR entry.
fn entry(
    planned: &Planned,
    received: Option<&Received>,
    started: chrono::DateTime<chrono::Utc>,
    took: Duration,
    secrets: &Redactor,
) -> Value {
    let mut headers = vec![Pair {
        name: "Accept".into(),
        value: "application/json".into(),
    }];
    match &planned.credentials {
        Credentials::Token => headers.push(Pair {
            name: "Authorization".into(),
            value: format!("Bearer ${TOKEN_VARIABLE}"),
        }),
        Credentials::Wrong(token) => headers.push(Pair {
            name: "Authorization".into(),
            value: format!("Bearer {token}"),
        }),
        Credentials::Missing => {}
    }
    let query: Vec<Pair> = planned
        .url
        .query_pairs()
        .map(|(name, value)| Pair {
            name: name.into_owned(),
            value: value.into_owned(),
        })
        .collect();
    let mut request = serde_json::json!({
        "method": planned.method.as_str(),
        "url": planned.url.as_str(),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": query,
        "headersSize": -1,
        "bodySize": planned.body.as_ref().map_or(0, |b| b.text.len()),
    });
    if let Some(body) = &planned.body {
        request["headers"]
            .as_array_mut()
            .map(|h| {
                h.push(serde_json::json!({"name": "Content-Type", "value": body.content_type}))
            })
            .unwrap_or_default();
        request["postData"] = serde_json::json!({
            "mimeType": body.content_type,
            "text": body.text,
        });
    }
    let response = match received {
        Some(received) => serde_json::json!({
            "status": received.status,
            "statusText": reqwest::StatusCode::from_u16(received.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or(""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": received
                .headers
                .iter()
                .map(|(name, value)| Pair { name: name.clone(), value: value.clone() })
                .collect::<Vec<_>>(),
            "content": content(received, secrets),
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": received.text.len(),
        }),
        // HAR has no "no response": status 0, as browsers write it.
        None => serde_json::json!({
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [],
            "headers": [], "content": {"size": 0, "mimeType": ""},
            "redirectURL": "", "headersSize": -1, "bodySize": -1,
        }),
    };
    let millis = took.as_secs_f64() * 1000.0;
    serde_json::json!({
        "startedDateTime": started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "time": millis,
        "comment": planned.name,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": millis, "receive": 0},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Body;

    #[test]
    fn the_file_is_a_whole_archive_after_every_entry_without_the_token() {
        let directory = std::env::temp_dir().join(format!("har-test-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("run.har");
        let secrets = Redactor::default();
        secrets.add("tok-123-0123456789abcdef", "$CONNECTIONS_TOKEN");
        let mut har = HarFile::new(path.clone(), secrets);
        let mut planned = Planned::new(
            "create",
            "createConnection",
            reqwest::Method::POST,
            "http://127.0.0.1:9/v2/connections?limit=5".parse().unwrap(),
            &[201],
        );
        planned.body = Some(Body::json(&serde_json::json!({"name": "x"})));
        let received = Received {
            status: 201,
            content_type: Some("application/json".into()),
            headers: vec![("content-type".into(), "application/json".into())],
            text: "{\"ref\":\"r\",\"secret\":\"tok-123-0123456789abcdef\"}".into(),
        };
        let read =
            || -> Value { serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap() };
        har.push(
            &planned,
            Some(&received),
            chrono::Utc::now(),
            Duration::from_millis(3),
        );
        assert_eq!(read()["log"]["entries"].as_array().unwrap().len(), 1);
        har.push(&planned, None, chrono::Utc::now(), Duration::from_millis(1));
        let (count, written) = har.finish().unwrap();
        assert_eq!((count, written.as_path()), (2, path.as_path()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("tok-123"));
        let log = read();
        assert_eq!(log["log"]["version"], "1.2");
        let entry = &log["log"]["entries"][0];
        assert_eq!(entry["request"]["method"], "POST");
        assert_eq!(entry["request"]["queryString"][0]["name"], "limit");
        assert_eq!(entry["request"]["postData"]["text"], "{\"name\":\"x\"}");
        assert_eq!(
            entry["request"]["headers"][1]["value"],
            "Bearer $CONNECTIONS_TOKEN"
        );
        assert_eq!(entry["response"]["status"], 201);
        assert_eq!(entry["response"]["statusText"], "Created");
        assert_eq!(log["log"]["entries"][1]["response"]["status"], 0);

        // No exchange at all: an empty archive.
        let empty = directory.join("empty.har");
        let (count, _) = HarFile::new(empty.clone(), Redactor::default())
            .finish()
            .unwrap();
        assert_eq!(count, 0);
        let log: Value = serde_json::from_str(&std::fs::read_to_string(&empty).unwrap()).unwrap();
        assert_eq!(log["log"]["entries"], serde_json::json!([]));
        std::fs::remove_dir_all(directory).unwrap();
    }
}
