//! An axum server on 127.0.0.1 whose every route misbehaves in one way, for the limits
//! that keep a listing from hanging or filling memory.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt;

pub struct Misbehaving {
    served: super::Served,
    /// Bytes of body the routes handed to the connection so far.
    sent: Arc<AtomicU64>,
}

/// `[0,0,0,...,0]` of exactly `len` bytes (`len` ≥ 3, odd).
pub fn json_array_of_len(len: usize) -> String {
    assert!(len >= 3 && len % 2 == 1);
    let mut body = String::with_capacity(len);
    body.push('[');
    body.push('0');
    while body.len() < len - 1 {
        body.push_str(",0");
    }
    body.push(']');
    body
}

fn streamed(
    sent: Arc<AtomicU64>,
    chunks: impl futures::Stream<Item = Bytes> + Send + 'static,
) -> Response {
    let body = chunks.map(move |chunk| {
        sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        Ok::<_, Infallible>(chunk)
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response()
}

impl Misbehaving {
    pub async fn start() -> Misbehaving {
        let sent = Arc::new(AtomicU64::new(0));
        let app = Router::new()
            // The status and headers, then nothing, for ever.
            .route(
                "/stall",
                get(|State(sent): State<Arc<AtomicU64>>| async move {
                    streamed(sent, futures::stream::pending())
                }),
            )
            // A valid page, one byte every 20 ms: each read succeeds quickly, so only a
            // limit on the whole exchange stops it.
            .route(
                "/slowloris",
                get(|State(sent): State<Arc<AtomicU64>>| async move {
                    let bytes = json_array_of_len(2001).into_bytes();
                    let trickle = futures::stream::iter(bytes).then(|byte| async move {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Bytes::from(vec![byte])
                    });
                    streamed(sent, trickle)
                }),
            )
            // 64 KiB chunks of a JSON array that never closes, as fast as they are read.
            .route(
                "/endless",
                get(|State(sent): State<Arc<AtomicU64>>| async move {
                    static CHUNK: [u8; 65536] = {
                        let mut chunk = [b'0'; 65536];
                        let mut i = 1;
                        while i < chunk.len() {
                            chunk[i] = b',';
                            i += 2;
                        }
                        chunk
                    };
                    let open = futures::stream::once(async { Bytes::from_static(b"[") });
                    let endless = futures::stream::repeat(Bytes::from_static(&CHUNK));
                    streamed(sent, open.chain(endless))
                }),
            )
            // A page of exactly 1001 bytes, with a Content-Length...
            .route(
                "/sized",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json_array_of_len(1001),
                    )
                }),
            )
            // ... and the same page streamed in 100-byte chunks, without one.
            .route(
                "/chunked",
                get(|State(sent): State<Arc<AtomicU64>>| async move {
                    let body = Bytes::from(json_array_of_len(1001));
                    let chunks: Vec<Bytes> = (0..body.len())
                        .step_by(100)
                        .map(|at| body.slice(at..(at + 100).min(body.len())))
                        .collect();
                    streamed(sent, futures::stream::iter(chunks))
                }),
            )
            .with_state(sent.clone());
        let served = super::Served::start(app).await;
        Misbehaving { served, sent }
    }

    pub fn url(&self, path: &str) -> String {
        self.served.url(path)
    }

    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}
