//! Password hashing and checking on a bounded pool of threads of their own.
//!
//! Argon2 needs its whole memory cost at once. On actix's blocking pool every concurrent
//! login allocated a buffer of its own, and the allocator kept what they freed: a few rounds
//! of concurrent logins left a gigabyte resident. Here a few threads each reuse one buffer,
//! a bounded number of jobs wait for them, and a caller that finds no place within the wait
//! is refused (429). One client address holds at most a share of the places, so a flood
//! from one address leaves room for everyone else. What a new password must be is
//! [`policy`]'s.

pub mod policy;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore as _};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::time::{timeout_at, Instant};

use crate::error::ApiError;

/// Memory cost of new hashes, in KiB (7 MiB). With [`T_COST`] this is one of OWASP's
/// Argon2id settings, rated equal in strength to the argon2 crate's default (19 MiB, two
/// passes) with a third of its memory: a small server keeps a few such buffers.
pub const M_COST: u32 = 7 * 1024;
/// Passes over the memory for new hashes.
pub const T_COST: u32 = 5;
/// Lanes of new hashes.
pub const P_COST: u32 = 1;
/// The most memory, in KiB, a stored hash may ask for: the argon2 crate's default (19 MiB),
/// which hashes stored before [`M_COST`] use. A hash asking for more never matches, so a
/// thread's buffer never grows past this.
pub const MAX_M_COST: u32 = Params::DEFAULT_M_COST;
/// Hashing threads: one per core, but never more than this, so the buffers stay small
/// whatever the machine.
pub const MAX_THREADS: usize = 4;
/// Queue places per thread.
pub const QUEUE_PER_THREAD: usize = 2;
/// How long a caller waits for a place before it is refused.
pub const WAIT: Duration = Duration::from_millis(300);
/// What a refused caller is told to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Salt of the work done for unknown usernames.
const DUMMY_SALT: &[u8] = b"livechat-unknown-user";

/// The pool's size.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Hashing threads, each with one buffer.
    pub threads: usize,
    /// Jobs that may wait for a thread.
    pub queue: usize,
    /// Places (running or waiting) one client address may hold at once.
    pub per_address: usize,
    /// How long a caller waits for a place.
    pub wait: Duration,
}

impl Default for Settings {
    /// One thread per core (at most [`MAX_THREADS`]), [`QUEUE_PER_THREAD`] waiting jobs per
    /// thread, one place per address fewer than there are threads (so one address never
    /// holds every thread and another's login starts at once), and [`WAIT`].
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let threads = cores.min(MAX_THREADS);
        let per_address = threads.saturating_sub(1).max(1);
        Self { threads, queue: QUEUE_PER_THREAD * threads, per_address, wait: WAIT }
    }
}

/// Why a job did not run.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// No place within the wait, or the address holds its share.
    #[error("password checks are busy")]
    Busy,
    /// The job's thread failed.
    #[error("a password thread failed")]
    Failed,
}

impl From<PoolError> for ApiError {
    fn from(err: PoolError) -> Self {
        match err {
            PoolError::Busy => Self::RateLimited { retry_after: RETRY_AFTER },
            PoolError::Failed => Self::Internal(err.into()),
        }
    }
}

type Job = Box<dyn FnOnce(&mut Memory) + Send>;
type Addresses = Arc<Mutex<HashMap<IpAddr, Address>>>;

/// The hashing threads and their queue. Cheap to clone; the threads end when the last
/// clone is dropped.
#[derive(Clone)]
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
    places: Arc<Semaphore>,
    addresses: Addresses,
    settings: Settings,
}

/// One address's places, and how many callers hold or wait for one.
struct Address {
    places: Arc<Semaphore>,
    users: usize,
}

/// A caller of an address, counted until dropped.
struct AddressUse {
    addresses: Addresses,
    ip: IpAddr,
}

impl Drop for AddressUse {
    fn drop(&mut self) {
        let mut addresses = self.addresses.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(address) = addresses.get_mut(&self.ip) {
            address.users -= 1;
            if address.users == 0 {
                addresses.remove(&self.ip);
            }
        }
    }
}

/// A place in the pool, given back when the job is done.
struct Ticket {
    _place: OwnedSemaphorePermit,
    _address: Option<(OwnedSemaphorePermit, AddressUse)>,
}

impl Passwords {
    /// Starts the threads.
    pub fn new(settings: Settings) -> Self {
        let threads = settings.threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let spawned =
                std::thread::Builder::new().name(format!("password-{n}")).spawn(|| work(queue));
            if let Err(err) = spawned {
                tracing::error!(error = %err, "cannot start a password thread");
            }
        }
        Self {
            jobs,
            places: Arc::new(Semaphore::new(threads + settings.queue)),
            addresses: Arc::default(),
            settings,
        }
    }

    /// Whether `password` matches the `stored` hash. Without a stored hash (an unknown
    /// username) the same work is done and the answer is no, so timing does not tell.
    pub async fn verify(
        &self,
        client: Option<IpAddr>,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PoolError> {
        self.run(client, move |memory| match stored {
            Some(stored) => verify(memory, password.as_bytes(), &stored),
            None => dummy(memory, password.as_bytes()),
        })
        .await
    }

    /// A new hash of `password`, on the pool like [`Passwords::verify`] (for `client`).
    pub async fn hash(
        &self,
        client: Option<IpAddr>,
        password: String,
    ) -> Result<anyhow::Result<String>, PoolError> {
        self.run(client, move |memory| hash(memory, password.as_bytes())).await
    }

    /// A new hash of `password`, for callers outside the async runtime (the `user`
    /// subcommands). It takes a free place or fails at once; it never waits for one.
    pub fn hash_blocking(&self, password: &str) -> anyhow::Result<String> {
        let place = self.places.clone().try_acquire_owned().map_err(|_| PoolError::Busy)?;
        let ticket = Ticket { _place: place, _address: None };
        let (tx, rx) = mpsc::sync_channel(1);
        let password = password.to_owned();
        self.send(Box::new(move |memory| {
            let _ = tx.send(hash(memory, password.as_bytes()));
            drop(ticket);
        }))?;
        rx.recv().map_err(|_| PoolError::Failed)?
    }

    /// Runs `work` on a pool thread once `client` has a place.
    async fn run<T: Send + 'static>(
        &self,
        client: Option<IpAddr>,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let ticket = self.admit(client).await?;
        let (tx, rx) = oneshot::channel();
        self.send(Box::new(move |memory| {
            let _ = tx.send(work(memory));
            drop(ticket);
        }))?;
        rx.await.map_err(|_| PoolError::Failed)
    }

    /// A place for `client` within the wait: first one of its address's places, then one
    /// of the pool's. A flooding address queues up on its own places, not on the pool's.
    async fn admit(&self, client: Option<IpAddr>) -> Result<Ticket, PoolError> {
        let deadline = Instant::now() + self.settings.wait;
        let address = match client {
            Some(ip) => {
                let (places, used) = self.use_address(ip);
                let place = timeout_at(deadline, places.acquire_owned())
                    .await
                    .map_err(|_| PoolError::Busy)?
                    .map_err(|_| PoolError::Failed)?;
                Some((place, used))
            }
            None => None,
        };
        let place = timeout_at(deadline, self.places.clone().acquire_owned())
            .await
            .map_err(|_| PoolError::Busy)?
            .map_err(|_| PoolError::Failed)?;
        Ok(Ticket { _place: place, _address: address })
    }

    fn use_address(&self, ip: IpAddr) -> (Arc<Semaphore>, AddressUse) {
        let mut addresses = self.addresses.lock().unwrap_or_else(PoisonError::into_inner);
        let address = addresses.entry(ip).or_insert_with(|| Address {
            places: Arc::new(Semaphore::new(self.settings.per_address.max(1))),
            users: 0,
        });
        address.users += 1;
        (address.places.clone(), AddressUse { addresses: self.addresses.clone(), ip })
    }

    fn send(&self, job: Job) -> Result<(), PoolError> {
        self.jobs.send(job).map_err(|_| PoolError::Failed)
    }
}

/// A pool thread: runs jobs with its one buffer until the pool is dropped.
fn work(queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut memory = Memory::default();
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut memory))).is_err() {
            tracing::error!("a password job panicked");
        }
    }
}

/// One thread's Argon2 memory, reused from job to job. It grows only for a stored hash
/// that asks for more, and never past [`MAX_M_COST`].
#[derive(Default)]
pub struct Memory {
    blocks: Vec<Block>,
}

impl Memory {
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            // Free the old buffer before the larger one is allocated.
            self.blocks = Vec::new();
            self.blocks.resize(count, Block::new());
        }
        &mut self.blocks[..count]
    }
}

fn new_params() -> Result<Params, argon2::Error> {
    Params::new(M_COST, T_COST, P_COST, None)
}

/// Argon2 of `password` and `salt` into an output of `len` bytes, in `memory`.
fn compute(
    memory: &mut Memory,
    (algorithm, version, params): (Algorithm, Version, Params),
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> argon2::password_hash::Result<Output> {
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    Output::init_with(len, |out| {
        Ok(argon2.hash_password_into_with_memory(password, salt, out, memory.blocks(blocks))?)
    })
}

/// A PHC string: Argon2id with the current parameters and a random salt.
fn hash(memory: &mut Memory, password: &[u8]) -> anyhow::Result<String> {
    let params = new_params().map_err(|err| anyhow::format_err!("bad parameters: {err}"))?;
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let encoded = SaltString::encode_b64(&salt).map_err(|err| anyhow::format_err!("{err}"))?;
    let phc = (|| {
        let output = compute(
            memory,
            (Algorithm::Argon2id, Version::V0x13, params.clone()),
            password,
            &salt,
            Params::DEFAULT_OUTPUT_LEN,
        )?;
        Ok::<_, argon2::password_hash::Error>(PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(encoded.as_salt()),
            hash: Some(output),
        })
    })()
    .map_err(|err| anyhow::format_err!("cannot hash the password: {err}"))?;
    Ok(phc.to_string())
}

/// Whether `password` matches `stored`, with the stored hash's own parameters; compared
/// in constant time. A hash that cannot be checked is logged and never matches.
fn verify(memory: &mut Memory, password: &[u8], stored: &str) -> bool {
    check(memory, password, stored).unwrap_or_else(|err| {
        tracing::warn!(error = %err, "a stored password hash cannot be checked");
        false
    })
}

fn check(memory: &mut Memory, password: &[u8], stored: &str) -> anyhow::Result<bool> {
    let fail = |err: argon2::password_hash::Error| anyhow::format_err!("{err}");
    let parsed = PasswordHash::new(stored).map_err(fail)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(fail)?;
    let version = match parsed.version {
        Some(version) => Version::try_from(version).map_err(|err| fail(err.into()))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(fail)?;
    anyhow::ensure!(
        params.m_cost() <= MAX_M_COST,
        "it asks for {} KiB, more than the {MAX_M_COST} KiB allowed",
        params.m_cost()
    );
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        anyhow::bail!("it has no salt or no hash");
    };
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes).map_err(fail)?;
    let computed = compute(memory, (algorithm, version, params), password, salt, expected.len())
        .map_err(fail)?;
    // `Output` compares in constant time.
    Ok(computed == expected)
}

/// The work of checking a hash with the current parameters, for an unknown username.
fn dummy(memory: &mut Memory, password: &[u8]) -> bool {
    if let Ok(params) = new_params() {
        let work = (Algorithm::Argon2id, Version::V0x13, params);
        let _ = compute(memory, work, password, DUMMY_SALT, Params::DEFAULT_OUTPUT_LEN);
    }
    false
}

#[cfg(test)]
mod tests;
