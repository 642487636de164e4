//! The `connections-sandbox` binary: stdout protocol, flags, durability
//! across a SIGKILL, graceful shutdown.

use std::{path::Path, process::Stdio};

use connections_client::Client;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines},
    process::{Child, ChildStdout, Command},
};

use crate::common::{typed_input, within};

const BINARY: &str = env!("CARGO_BIN_EXE_connections-sandbox");

struct Running {
    child: Child,
    base: String,
    stdout: Lines<BufReader<ChildStdout>>,
}

/// Spawns the binary with `args` and reads its first stdout line.
async fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(BINARY)
        .args(args)
        .env_remove("CONNECTIONS_SANDBOX_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = within(stdout.next_line())
        .await
        .unwrap()
        .expect("a first stdout line");
    let base = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(!base.ends_with(":0"), "the real port is printed");
    Running {
        child,
        base,
        stdout,
    }
}

/// The lines printed at start after the first, up to the API reference.
async fn start_lines(running: &mut Running) -> Vec<String> {
    let mut printed = Vec::new();
    while let Some(line) = within(running.stdout.next_line()).await.unwrap() {
        let done = line.starts_with("API reference");
        printed.push(line);
        if done {
            break;
        }
    }
    printed
}

fn db_args<'a>(db: &'a Path, token: &'a str) -> Vec<&'a str> {
    vec![
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
        "--token",
        token,
    ]
}

#[tokio::test]
async fn acknowledged_writes_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/sandbox.db");
    let token = "durability-token";

    let mut first = spawn(&db_args(&db, token)).await;
    let client = Client::with_bearer_token(&first.base, token).unwrap();
    let mut created = Vec::new();
    for i in 0..5 {
        let c = within(client.create_connection(&typed_input(&format!("durable {i}"))))
            .await
            .unwrap();
        created.push(c.into_inner());
    }
    let updated =
        within(client.update_connection(&created[2].ref_, &typed_input("durable 2, edited")))
            .await
            .unwrap()
            .into_inner();
    first.child.kill().await.unwrap(); // SIGKILL: no chance to flush anything
    within(first.child.wait()).await.unwrap();

    let mut second = spawn(&db_args(&db, token)).await;
    let client = Client::with_bearer_token(&second.base, token).unwrap();
    let page = within(client.retrieve_connections(std::num::NonZeroU32::new(100), None))
        .await
        .unwrap();
    let refs: Vec<_> = page.items.iter().map(|c| c.ref_.clone()).collect();
    assert_eq!(
        refs,
        created.iter().map(|c| c.ref_.clone()).collect::<Vec<_>>()
    );
    let edited = &page.items[2];
    assert_eq!(edited.name, "durable 2, edited");
    assert_eq!(edited.revision.map(|r| r.get()), Some(2));
    assert_eq!(edited.modified_at, updated.modified_at);
    // The client key and the owner's reference belong to the database.
    assert_eq!(edited.client_key, created[0].client_key);
    assert_eq!(edited.modified_by_ref, created[0].modified_by_ref);
    second.child.kill().await.unwrap();
    within(second.child.wait()).await.unwrap();
    drop(second.stdout);
}

#[tokio::test]
async fn without_a_token_one_is_generated_and_printed_with_a_curl_line() {
    let mut running = spawn(&["--listen", "127.0.0.1:0", "--db", ":memory:"]).await;
    let printed = start_lines(&mut running).await;
    let token = printed
        .iter()
        .find_map(|l| l.strip_prefix("access token (generated): "))
        .expect("the token is printed")
        .to_string();
    let curl = printed
        .iter()
        .find(|l| l.contains("curl "))
        .expect("a curl line");
    assert!(
        curl.contains(&format!("Authorization: Bearer {token}")) && curl.contains(&running.base)
    );
    let client = Client::with_bearer_token(&running.base, &token).unwrap();
    assert!(
        within(client.retrieve_connections(None, None))
            .await
            .is_ok()
    );
    assert!(
        printed.contains(&format!(
            "token URL for client credentials: {}/oauth/token (conformance live --token-url)",
            running.base
        )),
        "{printed:#?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("client credentials (generated): client_id=")),
        "{printed:#?}"
    );
    running.child.kill().await.unwrap();
    within(running.child.wait()).await.unwrap();
}

#[tokio::test]
async fn the_token_url_is_printed_with_given_client_credentials_too() {
    let mut running = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--token",
        "t",
        "--client-id",
        "ci-client",
        "--client-secret",
        "ci-secret-0123456789",
    ])
    .await;
    let printed = start_lines(&mut running).await;
    assert!(
        printed.iter().any(|l| l
            == &format!(
                "token URL for client credentials: {}/oauth/token (conformance live --token-url)",
                running.base
            )),
        "{printed:#?}"
    );
    // Given credentials are not printed back.
    assert!(
        !printed.iter().any(|l| l.contains("ci-secret-0123456789")),
        "{printed:#?}"
    );
    running.child.kill().await.unwrap();
    within(running.child.wait()).await.unwrap();
}

#[tokio::test]
async fn sigterm_shuts_down_gracefully_and_logs_go_to_stderr() {
    let mut running = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--token",
        "t",
    ])
    .await;
    let client = Client::with_bearer_token(&running.base, "t").unwrap();
    within(client.retrieve_connections(None, None))
        .await
        .unwrap();
    let pid = running.child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = within(running.child.wait()).await.unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut stderr = String::new();
    within(
        running
            .child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr),
    )
    .await
    .unwrap();
    assert!(
        stderr.contains("GET")
            && stderr.contains("/v2/connections")
            && stderr.contains("status=200"),
        "{stderr}"
    );
    assert!(stderr.contains("sandbox stopped"), "{stderr}");
}

#[tokio::test]
async fn help_names_every_flag_and_its_environment_variable() {
    let output = within(Command::new(BINARY).arg("--help").output())
        .await
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--listen",
        "--db",
        "--token",
        "--client-id",
        "--client-secret",
        "--token-ttl",
        "--public-url",
        "--client-key",
        "--allow-private-targets",
        "--enable-fault-injection",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    for variable in [
        "CONNECTIONS_SANDBOX_LISTEN",
        "CONNECTIONS_SANDBOX_DB",
        "CONNECTIONS_SANDBOX_TOKEN",
    ] {
        assert!(help.contains(variable), "{variable} missing from --help");
    }
}

#[tokio::test]
async fn bad_flags_and_unusable_databases_exit_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_db = dir.path().join("text.db");
    std::fs::write(
        &not_a_db,
        "this is not a SQLite database, just text that is long enough",
    )
    .unwrap();
    for (args, expected) in [
        (vec!["--listen", "nowhere"], "--listen"),
        (vec!["--token-ttl", "0"], "--token-ttl"),
        (
            vec![
                "--listen",
                "127.0.0.1:0",
                "--db",
                not_a_db.to_str().unwrap(),
            ],
            "database",
        ),
        (
            vec![
                "--listen",
                "127.0.0.1:0",
                "--db",
                ":memory:",
                "--public-url",
                "ftp://x",
            ],
            "public-url",
        ),
    ] {
        let output = within(
            Command::new(BINARY)
                .args(&args)
                .stdin(Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .unwrap();
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
    }
}

/// Runs the binary with `args` (and `env`) until it exits; its status and
/// stderr.
async fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
    let output = within(
        Command::new(BINARY)
            .args(args)
            .envs(env.iter().copied())
            .env_remove("CONNECTIONS_SANDBOX_TOKEN")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap();
    assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn an_empty_database_path_is_refused() {
    for (args, env) in [
        (vec!["--listen", "127.0.0.1:0", "--db", ""], vec![]),
        (
            vec!["--listen", "127.0.0.1:0"],
            vec![("CONNECTIONS_SANDBOX_DB", "")],
        ),
    ] {
        let (status, stderr) = run_to_exit(&args, &env).await;
        assert!(!status.success(), "{args:?} {env:?} started");
        assert!(
            stderr.contains("--db") && stderr.contains("empty"),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn a_database_that_cannot_be_written_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("read-only.db");
    let args = db_args(&db, "t");
    // A first run creates the database.
    let mut first = spawn(&args).await;
    first.child.kill().await.unwrap();
    within(first.child.wait()).await.unwrap();
    // Move the WAL into the file, so the file's header is the one read.
    rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            row.get::<_, i64>(0)
        })
        .unwrap();
    assert_eq!(
        std::fs::metadata(db.with_extension("db-wal")).map_or(0, |m| m.len()),
        0
    );
    // A write version above 2 makes SQLite open the file read-only (for
    // any user, root included): reads work, every write fails.
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[18] = 3;
    std::fs::write(&db, bytes).unwrap();
    let (status, stderr) = run_to_exit(&args, &[]).await;
    assert!(
        !status.success(),
        "the sandbox started on a read-only database"
    );
    assert!(
        stderr.contains(db.to_str().unwrap()) && stderr.contains("cannot be written"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("readonly").count(),
        1,
        "the cause once: {stderr}"
    );
}

/// A database on a read-only mount (a tmpfs remounted read-only in a
/// mount namespace of its own, so nothing outside sees it), existing and
/// new: the start fails with the README's words, not SQLite's "disk I/O
/// error". Where the machine does not allow a mount namespace, there is
/// no read-only mount to try, and the test says so and returns.
#[tokio::test]
async fn a_database_on_a_read_only_mount_is_refused_with_the_cause_named() {
    let allowed = std::process::Command::new("unshare")
        .args(["--mount", "--", "mount", "-t", "tmpfs", "tmpfs", "/mnt"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !allowed {
        eprintln!("no mount namespace on this machine: no read-only mount to try");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("made.db");
    let mut first = spawn(&db_args(&db, "t")).await;
    first.child.kill().await.unwrap();
    within(first.child.wait()).await.unwrap();
    let mount = dir.path().join("mount");
    std::fs::create_dir(&mount).unwrap();
    let (mount, db) = (mount.to_str().unwrap(), db.to_str().unwrap());
    for name in ["existing.db", "new.db"] {
        let script = format!(
            "mount -t tmpfs tmpfs {mount} && cp {db} {mount}/existing.db && \
             mount -o remount,ro {mount} && \
             exec {BINARY} --listen 127.0.0.1:0 --db {mount}/{name} --token t"
        );
        let output = within(
            Command::new("unshare")
                .args(["--mount", "--", "sh", "-c", &script])
                .env_remove("CONNECTIONS_SANDBOX_TOKEN")
                .stdin(Stdio::null())
                .kill_on_drop(true)
                .output(),
        )
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{name}: started on a read-only mount"
        );
        assert!(
            stderr.contains(&format!("{mount}/{name}"))
                && stderr.contains("cannot be written (read-only file, directory or mount?)")
                && stderr.contains("Read-only file system"),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("disk I/O error"), "{stderr}");
    }
}

#[tokio::test]
async fn start_up_errors_name_the_path_and_say_their_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_db = dir.path().join("text.db");
    std::fs::write(
        &not_a_db,
        "this is not a SQLite database, just text that is long enough",
    )
    .unwrap();
    let missing_dir = dir.path().join("file-not-dir");
    std::fs::write(&missing_dir, "").unwrap();
    let under_a_file = missing_dir.join("sandbox.db");
    for (path, cause) in [
        (&not_a_db, "file is not a database"),
        (&under_a_file, "cannot create the directory"),
    ] {
        let (status, stderr) = run_to_exit(
            &["--listen", "127.0.0.1:0", "--db", path.to_str().unwrap()],
            &[],
        )
        .await;
        assert!(!status.success());
        let last = stderr.lines().last().unwrap_or_default();
        assert!(last.contains(cause), "{stderr}");
        assert_eq!(last.matches(cause).count(), 1, "{last}");
        assert!(last.contains(path.to_str().unwrap()), "{last}");
    }
}

#[tokio::test]
async fn a_second_sandbox_on_the_same_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let args = db_args(&db, "t");
    let mut first = spawn(&args).await;
    let (status, stderr) = run_to_exit(&args, &[]).await;
    assert!(!status.success(), "a second sandbox started on {db:?}");
    assert!(
        stderr.contains(db.to_str().unwrap()) && stderr.contains("in use by another process"),
        "{stderr}"
    );
    // The first one still serves.
    let answer = reqwest::Client::new()
        .get(format!("{}/v2/connections", first.base))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    first.child.kill().await.unwrap();
}
