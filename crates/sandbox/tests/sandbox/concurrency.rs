//! Concurrent updates of one connection lose no increment.

use std::collections::BTreeSet;

use crate::common::{client, start, typed_input, within};

#[tokio::test]
async fn fifty_parallel_updates_end_at_revision_fifty_one() {
    let sandbox = start().await;
    let client = client(&sandbox);
    let created = within(client.create_connection(&typed_input("busy")))
        .await
        .unwrap();
    let reference = created.ref_.clone();
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
    within(sandbox.shutdown()).await.unwrap();
}
