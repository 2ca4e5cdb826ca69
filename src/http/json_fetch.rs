//! The fetcher of [`paginate_json`](super::paginate_json), and its builder method.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;

use reqwest::Client;
use serde::de::DeserializeOwned;
use url::{Origin, Url};

use super::builder::sealed::Sealed;
use super::exchange::HttpSettings;
use super::{HttpError, fetch};
use crate::paginate::{FetchPage, Page, Paginator};

/// The [`FetchPage`] of [`paginate_json`](super::paginate_json): one GET per page, the
/// body read as a JSON array of `T`, the next page taken from the `Link` header.
///
/// It lets a listing be named in a signature, `Paginator<Url, JsonFetch<T>>`, and
/// carries the setting of [`Paginator::allow_cross_origin`].
///
/// # Examples
///
/// ```
/// use asyncgen::http::{paginate_json, JsonFetch};
/// use asyncgen::paginate::Paginator;
/// use url::Url;
///
/// #[derive(serde::Deserialize)]
/// struct Repo {
///     name: String,
/// }
///
/// fn org_repos(client: reqwest::Client, org: &str) -> Paginator<Url, JsonFetch<Repo>> {
///     paginate_json::<Repo>(client, format!("https://api.github.com/orgs/{org}/repos"))
///         .max_items(500)
/// }
/// # drop(org_repos(reqwest::Client::new(), "rust-lang"));
/// ```
pub struct JsonFetch<T> {
    settings: HttpSettings,
    // `next` links must stay within the origin of the first request unless allowed:
    // the client's default headers (an `Authorization`, say) go wherever they lead.
    origin: Origin,
    allow_cross_origin: bool,
    // A starting URL that could not be requested, reported by the first fetch so that
    // building the stream never fails.
    bad_start: Option<HttpError>,
    _items: PhantomData<fn() -> T>,
}

impl<T> JsonFetch<T> {
    pub(crate) fn new(client: Client, first: &Url, bad_start: Option<HttpError>) -> Self {
        JsonFetch {
            settings: HttpSettings::new(client),
            origin: first.origin(),
            allow_cross_origin: false,
            bad_start,
            _items: PhantomData,
        }
    }
}

impl<T> fmt::Debug for JsonFetch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonFetch")
            .field("origin", &self.origin.ascii_serialization())
            .field("allow_cross_origin", &self.allow_cross_origin)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> FetchPage<Url> for JsonFetch<T> {
    type Item = T;
    type Error = HttpError;
    // Boxed so that the type can be named; one allocation per HTTP request is noise.
    type Future = Pin<Box<dyn Future<Output = Result<Page<T, Url>, HttpError>> + Send>>;

    fn fetch_page(&mut self, url: Url) -> Self::Future {
        let bad_start = self.bad_start.take();
        let settings = self.settings.clone();
        let origin = (!self.allow_cross_origin).then(|| self.origin.clone());
        Box::pin(async move {
            match bad_start {
                Some(err) => Err(err),
                None => fetch::fetch_page(settings, url, origin).await,
            }
        })
    }
}

impl<T> Sealed for JsonFetch<T> {
    fn http_settings(&mut self) -> &mut HttpSettings {
        &mut self.settings
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl<T: DeserializeOwned + Send + 'static, Y> Paginator<Url, JsonFetch<T>, Y> {
    /// Whether to follow `next` links to another origin (scheme, host and port) than
    /// the first request's; default `false`.
    ///
    /// By default such a link, an `https` listing sending the client to `http` or to
    /// another host or port, is an [`HttpError::CrossOriginNext`] item and the end: the
    /// default headers of the `reqwest::Client` (an `Authorization` header, say) would
    /// be sent wherever the link points. Allow it for APIs that spread a listing over
    /// several hosts, with a client whose headers may go there. Relative links, and
    /// absolute ones within the origin, are followed either way. The origin is that of
    /// the URL given to [`paginate_json`](super::paginate_json): a redirect to
    /// elsewhere does not move it.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::paginate_json;
    ///
    /// # #[derive(serde::Deserialize)] struct Item {}
    /// // This API serves its later pages from a CDN host.
    /// let items = paginate_json::<Item>(reqwest::Client::new(), "https://api.example.com/items")
    ///     .allow_cross_origin(true);
    /// # drop(items);
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[track_caller]
    pub fn allow_cross_origin(mut self, allow: bool) -> Self {
        self.fetch_mut("allow_cross_origin").allow_cross_origin = allow;
        self
    }
}
