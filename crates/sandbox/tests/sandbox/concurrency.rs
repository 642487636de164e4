//! Concurrent updates of one connection lose no increment.

use std::collections::BTreeSet;

use crate::common::{client, start, typed_input, within};

#[tokio::test]
async fn fifty_parallel_updates_end_at_revision_fifty_one() {
    let sandbox = start().await;
    let client = client(&sandbox);
    let before = sandbox.stats();
    let created = within(client.create_connection(&typed_input("busy")))
        .await
        .unwrap();
    let reference = created.ref_.clone();
    // One write answered before the next is sent: a commit each.
    let after_create = sandbox.stats();
    assert_eq!(after_create.writes, before.writes + 1);
    assert_eq!(after_create.commits, before.commits + 1);
    assert_eq!(after_create.connections, 1);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let client = client.clone();
        let reference = reference.clone();
        tasks.spawn(async move {
            let updated = client
                .update_connection(&reference, &typed_input(&format!("update {i}")))
                .await
                .unwrap();
            updated.revision.unwrap().get()
        });
    }
    let revisions: BTreeSet<u32> = within(tasks.join_all()).await.into_iter().collect();
    assert_eq!(
        revisions,
        (2..=51).collect(),
        "each update got its own revision"
    );
    let last = within(client.retrieve_connection(&reference))
        .await
        .unwrap();
    assert_eq!(last.revision.map(|r| r.get()), Some(51));
    let stats = sandbox.stats();
    assert_eq!(stats.writes, after_create.writes + 50);
    assert!(
        stats.commits > after_create.commits && stats.commits <= after_create.commits + 50,
        "{stats:?}"
    );
    within(sandbox.shutdown()).await.unwrap();
}
