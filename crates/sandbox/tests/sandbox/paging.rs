//! Paging of GET /v2/connections.

use std::num::NonZeroU32;

use crate::common::{Raw, client, input, start, typed_input, within};

#[tokio::test]
async fn walking_the_next_links_returns_every_connection_once_in_creation_order() {
    let sandbox = start().await;
    let raw = Raw::new(&sandbox);
    let mut created = Vec::new();
    for i in 0..23 {
        let answer = raw
            .post_json("/v2/connections", &input(&format!("c{i:02}")))
            .await;
        created.push(answer.body["ref"].as_str().unwrap().to_string());
    }

    let mut seen = Vec::new();
    let mut href = format!("{}/v2/connections?limit=10", sandbox.base_url());
    let mut pages = 0;
    loop {
        let page = raw.call("GET", &href, None, None).await;
        assert_eq!(page.status, 200);
        pages += 1;
        let body = &page.body;
        assert_eq!(body["total"], 23);
        assert_eq!(body["limit"], 10);
        assert_eq!(
            body["first"]["href"],
            format!("{}/v2/connections?offset=0&limit=10", sandbox.base_url())
        );
        assert_eq!(
            body["last"]["href"],
            format!("{}/v2/connections?offset=20&limit=10", sandbox.base_url())
        );
        assert_eq!(body["previous"].is_null(), body["offset"] == 0);
        for item in body["items"].as_array().unwrap() {
            assert!(
                item["href"]
                    .as_str()
                    .unwrap()
                    .starts_with(sandbox.base_url())
            );
            seen.push(item["ref"].as_str().unwrap().to_string());
        }
        match body["next"]["href"].as_str() {
            Some(next) => href = next.to_string(),
            None => break,
        }
        assert!(pages < 10, "the next links loop");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);

    // The generated client reads the same pages; offset past the end is an
    // empty page, not an error.
    let client = client(&sandbox);
    let all = within(client.retrieve_connections(NonZeroU32::new(100), None))
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|c| c.ref_.clone()).collect::<Vec<_>>(),
        created
    );
    assert!(all.next.is_none() && all.previous.is_none());
    let default = within(client.retrieve_connections(None, None))
        .await
        .unwrap();
    assert_eq!(default.items.len(), 10);
    let one = within(client.retrieve_connections(NonZeroU32::new(1), Some(22)))
        .await
        .unwrap();
    assert_eq!(one.items[0].ref_, created[22]);
    assert!(one.next.is_none());
    let beyond = within(client.retrieve_connections(NonZeroU32::new(5), Some(40)))
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, Some(23));

    // Updates do not change the order.
    within(client.update_connection(&created[0], &typed_input("renamed")))
        .await
        .unwrap();
    let after = within(client.retrieve_connections(NonZeroU32::new(100), None))
        .await
        .unwrap();
    assert_eq!(after.items[0].ref_, created[0]);
    assert_eq!(after.items[0].name, "renamed");
    within(sandbox.shutdown()).await.unwrap();
}
