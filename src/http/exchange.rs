//! One request of a listing, with the limits every adapter of this module shares: the
//! pacing by rate-limit headers, a time limit covering the whole exchange, and a size
//! cap checked while the body streams in.

use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Client, RequestBuilder, Response};
use url::Url;

use super::HttpError;
use super::rate_limit::Pacer;
use super::retry_after::retry_after;

/// The default of [`request_timeout`](crate::paginate::Paginator::request_timeout).
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default of [`max_page_bytes`](crate::paginate::Paginator::max_page_bytes).
pub(crate) const DEFAULT_MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;

/// What every request of one listing shares.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub(crate) client: Client,
    pub(crate) request_timeout: Duration,
    pub(crate) max_page_bytes: usize,
    // `None`: rate-limit headers are ignored.
    pub(crate) pacer: Option<Pacer>,
}

impl HttpSettings {
    pub(crate) fn new(client: Client) -> Self {
        HttpSettings {
            client,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
            pacer: Some(Pacer::default()),
        }
    }
}

/// A successful answer: where it came from (after redirects), its headers and its body.
pub(crate) struct Answer {
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The body as JSON of type `J`, or an error that shows what came instead.
    pub(crate) fn json<J: serde::de::DeserializeOwned>(&self) -> Result<J, HttpError> {
        serde_json::from_slice(&self.body).map_err(|source| self.body_error(source))
    }

    pub(crate) fn body_error(&self, source: serde_json::Error) -> HttpError {
        const SHOWN: usize = 64;
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(SHOWN * 4)]);
        HttpError::Body {
            url: Box::new(self.url.clone()),
            content_type: self
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(Box::from),
            start: text.chars().take(SHOWN).collect::<String>().into(),
            source,
        }
    }
}

/// Sends `request` (to `url`) once pacing allows, and reads the answer within the time
/// and size limits. A non-2xx status is an error carrying its `Retry-After`.
pub(crate) async fn exchange(
    settings: &HttpSettings,
    request: RequestBuilder,
    url: &Url,
) -> Result<Answer, HttpError> {
    if let Some(pacer) = &settings.pacer {
        pacer.wait().await;
    }
    let limit = settings.request_timeout;
    tokio::time::timeout(limit, send_and_read(settings, request, url))
        .await
        .unwrap_or_else(|_elapsed| {
            Err(HttpError::Timeout {
                url: url.clone(),
                limit,
            })
        })
}

async fn send_and_read(
    settings: &HttpSettings,
    request: RequestBuilder,
    url: &Url,
) -> Result<Answer, HttpError> {
    let transport = |source| HttpError::Transport {
        url: url.clone(),
        source,
    };
    let response = request.send().await.map_err(transport)?;
    if let Some(pacer) = &settings.pacer {
        pacer.observe(response.headers());
    }
    let status = response.status();
    if !status.is_success() {
        return Err(HttpError::Status {
            retry_after: retry_after(response.headers(), SystemTime::now()),
            url: url.clone(),
            status,
        });
    }
    let page_url = response.url().clone();
    let headers = response.headers().clone();
    let body = read_capped(response, settings.max_page_bytes, &page_url).await?;
    Ok(Answer {
        url: page_url,
        headers,
        body,
    })
}

/// The body, read chunk by chunk as it arrives, and never more than `max` bytes of it:
/// at the first chunk that would pass the cap, reading stops and the connection is
/// dropped.
async fn read_capped(mut response: Response, max: usize, url: &Url) -> Result<Vec<u8>, HttpError> {
    let too_large = || HttpError::TooLarge {
        url: url.clone(),
        limit: max,
    };
    let announced = response.content_length();
    if announced.is_some_and(|len| len > max as u64) {
        return Err(too_large());
    }
    // The announced length is only a hint (within the cap): the buffer still grows as
    // bytes arrive, and never beyond the cap.
    let mut body = Vec::with_capacity(announced.map_or(0, |len| len as usize));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|source| HttpError::Transport {
            url: url.clone(),
            source,
        })?
    {
        if chunk.len() > max - body.len() {
            return Err(too_large());
        }
        if body.capacity() - body.len() < chunk.len() {
            let wanted = (body.len() + chunk.len()).max(body.capacity() * 2).min(max);
            body.reserve_exact(wanted - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
