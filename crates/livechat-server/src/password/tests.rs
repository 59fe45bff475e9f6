//! The pool: right and wrong passwords, hashes of the old parameters, and refusals.

use std::net::IpAddr;
use std::sync::mpsc;
use std::time::Duration;

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, SaltString};

use super::*;

fn pool(threads: usize, queue: usize, per_address: usize) -> Passwords {
    Passwords::new(Settings { threads, queue, per_address, wait: Duration::from_millis(100) })
}

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::from([127, 0, 0, last]))
}

/// Occupies one place of `client` until the returned sender is dropped.
async fn hold(pool: &Passwords, client: Option<IpAddr>) -> mpsc::Sender<()> {
    let (release, held) = mpsc::channel::<()>();
    let (started_tx, started) = oneshot::channel();
    let pool = pool.clone();
    tokio::spawn(async move {
        pool.run(client, move |_| {
            let _ = started_tx.send(());
            let _ = held.recv();
        })
        .await
    });
    started.await.expect("the held job started");
    release
}

#[tokio::test]
async fn right_and_wrong_passwords() {
    let pool = pool(2, 2, 2);
    let hash = pool.hash_blocking("correct horse").expect("hash");
    assert!(hash.starts_with(&format!("$argon2id$v=19$m={M_COST},t={T_COST},p={P_COST}$")));
    let verify = |password: &str, stored: Option<&str>| {
        pool.verify(ip(1), password.to_owned(), stored.map(str::to_owned))
    };
    assert!(verify("correct horse", Some(&hash)).await.expect("checked"));
    assert!(!verify("wrong", Some(&hash)).await.expect("checked"));
    assert!(!verify("correct horse", Some("not a hash")).await.expect("checked"));
    assert!(!verify("correct horse", None).await.expect("checked"));
    // The argon2 crate agrees with the hash made in a reused buffer.
    let parsed = PasswordHash::new(&hash).expect("PHC string");
    assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
}

#[tokio::test]
async fn hashes_with_the_old_default_parameters_verify() {
    let pool = pool(1, 1, 1);
    // Made the way earlier versions stored passwords: the crate's defaults (19 MiB).
    let salt = SaltString::generate(&mut OsRng);
    let old = Argon2::default().hash_password(b"old password", &salt).expect("hash").to_string();
    assert!(old.contains("m=19456,t=2,p=1"));
    // The thread's buffer has the new size first, then grows for the old hash.
    let new = pool.hash_blocking("new password").expect("hash");
    for _ in 0..2 {
        let check = |password: &str, stored: &str| {
            pool.verify(None, password.to_owned(), Some(stored.to_owned()))
        };
        assert!(check("old password", &old).await.expect("checked"));
        assert!(!check("new password", &old).await.expect("checked"));
        assert!(check("new password", &new).await.expect("checked"));
    }
}

#[tokio::test]
async fn hashes_asking_for_more_memory_never_match() {
    let pool = pool(1, 1, 1);
    let hash = pool.hash_blocking("correct horse").expect("hash");
    let greedy = hash.replace(&format!("m={M_COST}"), "m=1048576");
    assert_ne!(greedy, hash);
    let mut memory = Memory::default();
    let refused = check(&mut memory, b"correct horse", &greedy).expect_err("refused");
    assert!(refused.to_string().contains("1048576 KiB"), "{refused}");
    assert!(memory.blocks.is_empty());
}

#[test]
fn a_buffer_is_reused_and_grows_only_when_asked() {
    let mut memory = Memory::default();
    let first = memory.blocks(8).as_ptr();
    assert_eq!(memory.blocks(4).as_ptr(), first);
    assert_eq!(memory.blocks(8).len(), 8);
    assert_eq!(memory.blocks(8).as_ptr(), first);
    assert_eq!(memory.blocks(16).len(), 16);
    assert_eq!(memory.blocks.len(), 16);
}

#[tokio::test]
async fn a_full_pool_refuses_after_the_wait() {
    let pool = pool(1, 1, 4);
    let hash = pool.hash_blocking("correct horse").expect("hash");
    // One job runs, one waits: the pool is full.
    let running = hold(&pool, ip(1)).await;
    let (queued_tx, queued) = oneshot::channel();
    let waiting = pool.clone();
    tokio::spawn(async move {
        let _ = queued_tx.send(waiting.run(ip(2), |_| ()).await);
    });
    while pool.places.available_permits() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    let refused = pool.verify(ip(3), "correct horse".into(), Some(hash.clone())).await;
    assert!(matches!(refused, Err(PoolError::Busy)), "{refused:?}");
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert!(pool.hash_blocking("another").is_err());
    let refusal = ApiError::from(PoolError::Busy);
    assert!(matches!(refusal, ApiError::RateLimited { retry_after } if retry_after == RETRY_AFTER));
    // Once the running job ends the queued one runs, and there is room again.
    drop(running);
    assert!(queued.await.expect("the queued job ended").is_ok());
    assert!(pool.verify(ip(3), "correct horse".into(), Some(hash)).await.expect("room"));
}

#[tokio::test]
async fn one_address_holds_only_its_share() {
    let pool = pool(2, 2, 1);
    let hash = pool.hash_blocking("correct horse").expect("hash");
    let held = hold(&pool, ip(1)).await;
    // The flooding address waits for its own place and is refused; another gets in.
    let refused = pool.verify(ip(1), "correct horse".into(), Some(hash.clone())).await;
    assert!(matches!(refused, Err(PoolError::Busy)), "{refused:?}");
    let other = pool.verify(ip(2), "correct horse".into(), Some(hash.clone())).await;
    assert!(other.expect("another address gets a place"));
    // Callers without an address are not counted per address.
    assert!(pool.verify(None, "correct horse".into(), Some(hash.clone())).await.expect("room"));
    drop(held);
    assert!(pool.verify(ip(1), "correct horse".into(), Some(hash)).await.expect("its place"));
    // Addresses are forgotten once none of their callers is left.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(pool.addresses.lock().expect("addresses").is_empty());
}
