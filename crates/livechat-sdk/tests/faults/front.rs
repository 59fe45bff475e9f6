//! A TCP proxy in front of the server, so clients keep one address while the server is
//! killed and restarted on another port.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A running proxy.
pub struct Front {
    pub url: String,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Front {
    /// Listens on a free port; forwards nowhere until [`Front::switch`].
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the front");
        let url = format!("http://{}", listener.local_addr().expect("front address"));
        let upstream = Arc::new(Mutex::new(None::<SocketAddr>));
        let connections = Arc::new(Mutex::new(Vec::<AbortHandle>::new()));
        let (target, tasks) = (upstream.clone(), connections.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let Some(address) = target.lock().ok().and_then(|target| *target) else {
                    drop(client);
                    continue;
                };
                let task = tokio::spawn(async move {
                    let connect = TcpStream::connect(address);
                    if let Ok(Ok(mut server)) =
                        tokio::time::timeout(Duration::from_secs(2), connect).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                if let Ok(mut tasks) = tasks.lock() {
                    tasks.retain(|task| !task.is_finished());
                    tasks.push(task.abort_handle());
                }
            }
        })
        .abort_handle();
        Self { url, upstream, connections, accept }
    }

    /// Forwards new connections to `address` (`None`: refuses them) and closes the open ones.
    pub fn switch(&self, address: Option<SocketAddr>) {
        if let Ok(mut upstream) = self.upstream.lock() {
            *upstream = address;
        }
        if let Ok(mut tasks) = self.connections.lock() {
            for task in tasks.drain(..) {
                task.abort();
            }
        }
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.switch(None);
        self.accept.abort();
    }
}
