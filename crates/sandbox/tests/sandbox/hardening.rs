//! A sandbox shared by a team: bounded memory without a token, one
//! `Authorization` header, strict JSON, documented error bodies, numbers
//! the schema allows, unreadable rows, consistent pages.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Raw, assert_error, input, start, start_with, within};

#[tokio::test]
async fn requests_are_counted_per_operation_after_authentication() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    for i in 0..200 {
        let long = format!("/v2/connections/{i}-{}", "x".repeat(2048));
        raw.call_with_auth("GET", &long, None, None, None).await;
        raw.call_with_auth("GET", &format!("/nowhere/{i}"), None, None, None)
            .await;
    }
    let created = raw.post_json("/v2/connections", &input("counted")).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let reference = created.body["ref"].as_str().unwrap().to_string();
    raw.call("GET", &format!("/v2/connections/{reference}"), None, None)
        .await;
    raw.call("GET", "/v2/connections/missing", None, None).await;
    let stats = sandbox.stats();
    assert_eq!(
        stats.requests.keys().cloned().collect::<Vec<_>>(),
        [
            "GET /v2/connections/{connectionRef}",
            "POST /v2/connections"
        ],
        "{:?}",
        stats.requests
    );
    assert_eq!(stats.requests["GET /v2/connections/{connectionRef}"], 2);
    assert_eq!(stats.unauthorized, 200);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn two_authorization_headers_are_400() {
    let sandbox = start().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let good = format!("Bearer {}", sandbox.token());
    for pair in [
        [good.as_str(), "Bearer wrong"],
        ["Bearer wrong", good.as_str()],
    ] {
        let response = within(
            http.get(format!("{}/v2/connections", sandbox.base_url()))
                .header("authorization", pair[0])
                .header("authorization", pair[1])
                .send(),
        )
        .await
        .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{pair:?}");
        let body: Value = within(response.json()).await.unwrap();
        assert_eq!(body["code"], "AMBIGUOUS_AUTHORIZATION", "{body}");
    }
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn duplicate_members_are_400_naming_the_member() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let body = input("second").to_string();
    let duplicated = body.replacen('{', "{\"name\":\"first\",", 1);
    let nested = body.replacen(
        "\"requestType\"",
        "\"requestType\":\"GET\",\"requestType\"",
        1,
    );
    for (text, field) in [(duplicated, "/name"), (nested, "/request/requestType")] {
        let answer = raw
            .call(
                "POST",
                "/v2/connections",
                Some("application/json"),
                Some(text.into_bytes()),
            )
            .await;
        assert_error(&answer, 400, "MALFORMED_JSON");
        assert_eq!(
            answer.body["errors"][0]["field"], field,
            "{:?}",
            answer.body
        );
    }
    assert_eq!(raw.total().await, 0, "nothing was stored");
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn an_undecodable_reference_gets_the_json_error_body() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    for method in ["GET", "PUT"] {
        let body = (method == "PUT").then(|| input("x").to_string().into_bytes());
        let answer = raw
            .call(
                method,
                "/v2/connections/%ff",
                Some("application/json"),
                body,
            )
            .await;
        assert_error(&answer, 400, "VALIDATION_FAILED");
        assert_eq!(
            answer.headers["content-type"], "application/json",
            "{method}"
        );
        assert_eq!(answer.body["errors"][0]["field"], "connectionRef");
    }
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn integral_numbers_are_integers_and_big_ones_are_named() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let body = input("numbers").to_string().replacen(
        '{',
        "{\"connectionTimeout\":1E3,\"socketTimeout\":-0,",
        1,
    );
    let created = raw
        .call(
            "POST",
            "/v2/connections",
            Some("application/json"),
            Some(body.into_bytes()),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["connectionTimeout"], json!(1000));
    assert_eq!(created.body["socketTimeout"], json!(0));
    let path = format!("/v2/connections/{}", created.body["ref"].as_str().unwrap());
    let mut update = input("numbers");
    update["connectionTimeout"] = json!(2147483647.0);
    let updated = raw
        .call(
            "PUT",
            &path,
            Some("application/json"),
            Some(update.to_string().into_bytes()),
        )
        .await;
    assert_eq!(updated.status, 201, "{:?}", updated.body);
    assert_eq!(updated.body["connectionTimeout"], json!(2147483647));

    let test = json!({"connection": {
        "name": "t", "auth": {"authType": "NONE"}, "systemType": "DATA_SYSTEM",
        "request": {"requestType": "GET", "connectionUrl": "http://127.0.0.1:9/"},
        "socketTimeout": 1389.0}});
    let tested = raw.post_json("/v2/connections/testConnection", &test).await;
    assert_eq!(tested.status, 200, "{:?}", tested.body);

    for (member, value) in [
        ("connectionTimeout", json!(4294967296u64)),
        ("socketTimeout", json!(35996115750.0)),
        ("connectionTimeout", json!(1.5)),
    ] {
        let mut body = input("too big");
        body[member] = value.clone();
        let answer = raw.post_json("/v2/connections", &body).await;
        assert_error(&answer, 400, "VALIDATION_FAILED");
        assert_eq!(
            answer.body["errors"][0]["field"],
            format!("/{member}"),
            "{value}: {:?}",
            answer.body
        );
    }
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn an_unreadable_row_is_left_out_of_lists_and_the_rest_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rows.db");
    let sandbox = start_with(|c| c.db = connections_sandbox::DbLocation::File(db.clone())).await;
    let raw = Raw::new(&sandbox);
    let mut refs = Vec::new();
    for i in 0..3 {
        let created = raw
            .post_json("/v2/connections", &input(&format!("row {i}")))
            .await;
        refs.push(created.body["ref"].as_str().unwrap().to_string());
    }
    // While it runs, the sandbox holds its database: nobody edits a row
    // behind its back.
    let other = rusqlite::Connection::open(&db).unwrap();
    other
        .busy_timeout(std::time::Duration::from_millis(10))
        .unwrap();
    assert!(
        other
            .execute(
                "UPDATE connections SET body = '{}' WHERE ref = ?1",
                [&refs[1]]
            )
            .is_err(),
        "a row was edited under a running sandbox"
    );
    drop(other);
    within(sandbox.shutdown()).await.unwrap();
    // A row another version (or a hand) left unreadable, found at start.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE connections SET body = '{\"broken\":' WHERE ref = ?1",
            [&refs[1]],
        )
        .unwrap();
    let sandbox = start_with(|c| c.db = connections_sandbox::DbLocation::File(db.clone())).await;
    let raw = Raw::new(&sandbox);
    let page = raw.call("GET", "/v2/connections", None, None).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.body["total"], 3);
    let listed: Vec<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ref"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [refs[0].as_str(), refs[2].as_str()]);
    let one = raw
        .call("GET", &format!("/v2/connections/{}", refs[1]), None, None)
        .await;
    assert_error(&one, 500, "INTERNAL_ERROR");
    let others = raw
        .call("GET", &format!("/v2/connections/{}", refs[2]), None, None)
        .await;
    assert_eq!(others.status, 200);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn the_total_and_the_page_agree_under_concurrent_creates() {
    let sandbox = start().await;
    let raw = std::sync::Arc::new(Raw::new(&sandbox));
    let writer = {
        let raw = raw.clone();
        tokio::spawn(async move {
            for i in 0..150 {
                raw.post_json("/v2/connections", &input(&format!("c{i}")))
                    .await;
            }
        })
    };
    let mut checked = 0;
    while !writer.is_finished() {
        let page = raw
            .call("GET", "/v2/connections?limit=100", None, None)
            .await;
        let total = page.body["total"].as_u64().unwrap();
        let items = page.body["items"].as_array().unwrap().len() as u64;
        assert_eq!(items, total.min(100), "total {total}, {items} items");
        checked += 1;
    }
    assert!(checked > 10, "only {checked} pages read");
    within(writer).await.unwrap();
    within(sandbox.shutdown()).await.unwrap();
}

/// Reads until the server closes the connection; `true` when it did
/// within `limit`.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn half_sent_and_idle_connections_are_closed() {
    use tokio::io::AsyncWriteExt;
    let sandbox = start_with(|c| {
        c.limits.header_read_timeout = Duration::from_millis(300);
        c.limits.idle_timeout = Duration::from_millis(300);
    })
    .await;
    let mut half = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    half.write_all(b"GET /v2/connections HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    assert!(
        closed_within(&mut half, Duration::from_secs(5)).await,
        "half-sent"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(5)).await,
        "idle"
    );
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let sandbox = start_with(|c| c.limits.max_connections = 2).await;
    let first = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    let second = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let raw = Raw::new(&sandbox);
    let third = raw.call("GET", "/v2/connections", None, None);
    tokio::pin!(third);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut third)
            .await
            .is_err(),
        "a third connection was served while two were open"
    );
    drop(first);
    let answer = within(third).await;
    assert_eq!(answer.status, 200);
    drop(second);
    within(sandbox.shutdown()).await.unwrap();
}

#[tokio::test]
async fn a_slow_request_gets_a_json_408() {
    use tokio::io::AsyncWriteExt;
    let sandbox = start_with(|c| c.limits.request_timeout = Duration::from_millis(300)).await;
    let mut stream = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    let head = format!(
        "POST /v2/connections HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        sandbox.token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    use tokio::io::AsyncReadExt;
    within(stream.read_to_end(&mut answer)).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("REQUEST_TIMEOUT"), "{text}");
    within(sandbox.shutdown()).await.unwrap();
}

/// Everything a server sends on a connection until it closes it.
async fn read_to_close(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    within(stream.read_to_end(&mut received)).await.unwrap();
    received
}

#[tokio::test]
async fn bytes_that_are_not_http_1_1_get_an_answer_in_their_own_protocol() {
    use tokio::io::AsyncWriteExt;
    let sandbox = start().await;
    // HTTP/2 with prior knowledge: the server's preface (SETTINGS), then
    // GOAWAY with HTTP_1_1_REQUIRED, the HTTP/2 way of saying "use 1.1".
    let mut h2 = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let received = read_to_close(&mut h2).await;
    let settings = [0u8, 0, 0, 4, 0, 0, 0, 0, 0];
    let goaway = [0u8, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0d];
    assert_eq!(received, [&settings[..], &goaway[..]].concat());
    // Other bytes: 400.
    let mut garbage = tokio::net::TcpStream::connect(sandbox.address())
        .await
        .unwrap();
    garbage
        .write_all(b"\x16\x03\x01\x02\x00hello\r\n\r\n")
        .await
        .unwrap();
    let received = String::from_utf8_lossy(&read_to_close(&mut garbage).await).into_owned();
    assert!(received.starts_with("HTTP/1.1 400"), "{received:?}");
    within(sandbox.shutdown()).await.unwrap();
}
