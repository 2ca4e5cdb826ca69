//! Body-cursor and page-token APIs: the next page's cursor is in the JSON body (or is
//! the last item's id), and goes back as a query parameter or inside a POSTed JSON body.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use std::collections::HashMap;
use std::sync::Arc;

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Client, IntoUrl};
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;
use url::Url;

use super::builder::sealed::Sealed;
use super::exchange::{HttpSettings, exchange};
use super::{HttpError, first_url, retry_policy};
use crate::paginate::{FetchPage, Page, Paginator};

/// Where a cursor API puts its items and its next cursor, and how the cursor goes
/// back: the description [`paginate_cursor`] follows. Places in the JSON are JSON
/// pointers (RFC 6901): `""` is the whole body, `/data` its `data` field,
/// `/response_metadata/next_cursor` a nested one.
///
/// | API | description |
/// |---|---|
/// | Stripe | `CursorApi::query("starting_after").items("/data").next_from_last_item("/id").has_more("/has_more")` |
/// | Slack | `CursorApi::query("cursor").items("/members").next_cursor("/response_metadata/next_cursor")` |
/// | Google | `CursorApi::query("pageToken").items("/files").next_cursor("/nextPageToken")` |
/// | Notion | `CursorApi::post_json(json!({"page_size": 100}), "/start_cursor").items("/results").next_cursor("/next_cursor").has_more("/has_more")` |
/// | GraphQL | `CursorApi::graphql(QUERY, json!({..})).items("/data/repository/issues/nodes").next_cursor("/data/repository/issues/pageInfo/endCursor").has_more("/data/repository/issues/pageInfo/hasNextPage")` |
///
/// A next cursor that is missing, `null` or `""` ends the listing, and so does a
/// `has_more` flag that is `false`; a flag that is `true` without a cursor is an
/// [`HttpError::Shape`] item. A number is taken as a cursor too, in its decimal form.
///
/// # Examples
///
/// ```
/// use asyncgen::http::CursorApi;
///
/// let google_drive = CursorApi::query("pageToken").items("/files").next_cursor("/nextPageToken");
/// # let _ = google_drive;
/// ```
#[derive(Clone)]
pub struct CursorApi {
    send: SendCursor,
    items: String,
    next: Option<NextCursor>,
    has_more: Option<String>,
    first: Option<String>,
}

#[derive(Clone)]
enum SendCursor {
    Query(String),
    PostJson { body: Value, at: String },
}

#[derive(Clone)]
enum NextCursor {
    At(String),
    LastItem(String),
}

#[track_caller]
fn pointer(method: &str, pointer: &str) -> String {
    assert!(
        pointer.is_empty() || pointer.starts_with('/'),
        "CursorApi::{method}: {pointer:?} is not a JSON pointer (\"\" or starting with '/')"
    );
    pointer.to_owned()
}

impl CursorApi {
    fn new(send: SendCursor) -> Self {
        CursorApi {
            send,
            items: String::new(),
            next: None,
            has_more: None,
            first: None,
        }
    }

    /// GET requests, the cursor sent as the query parameter `param` (none on the first
    /// page): Stripe's `starting_after`, Slack's `cursor`, Google's `pageToken`.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::CursorApi;
    ///
    /// let slack = CursorApi::query("cursor")
    ///     .items("/members")
    ///     .next_cursor("/response_metadata/next_cursor");
    /// # let _ = slack;
    /// ```
    pub fn query(param: &str) -> Self {
        CursorApi::new(SendCursor::Query(param.to_owned()))
    }

    /// POST requests of the JSON `body`, with the cursor written at the JSON pointer
    /// `cursor_at` (`null` on the first page; missing objects on the way are made).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::CursorApi;
    ///
    /// let notion = CursorApi::post_json(serde_json::json!({"page_size": 100}), "/start_cursor")
    ///     .items("/results")
    ///     .next_cursor("/next_cursor")
    ///     .has_more("/has_more");
    /// # let _ = notion;
    /// ```
    ///
    /// # Panics
    ///
    /// If `cursor_at` is not a JSON pointer.
    #[track_caller]
    pub fn post_json(body: Value, cursor_at: &str) -> Self {
        let at = pointer("post_json", cursor_at);
        CursorApi::new(SendCursor::PostJson { body, at })
    }

    /// A GraphQL query with Relay-style pagination: POSTs
    /// `{"query": query, "variables": variables}` with the cursor as the variable
    /// `after`; point [`next_cursor`](Self::next_cursor) at the connection's
    /// `pageInfo.endCursor` and [`has_more`](Self::has_more) at its
    /// `pageInfo.hasNextPage`. A body without the items that carries GraphQL `errors`
    /// is an [`HttpError::Shape`] quoting the first error's message.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::CursorApi;
    ///
    /// const QUERY: &str = "query($owner: String!, $after: String) {
    ///   repositoryOwner(login: $owner) {
    ///     repositories(first: 100, after: $after) {
    ///       nodes { name }
    ///       pageInfo { hasNextPage endCursor }
    ///     }
    ///   }
    /// }";
    /// let repos = "/data/repositoryOwner/repositories";
    /// let api = CursorApi::graphql(QUERY, serde_json::json!({"owner": "rust-lang"}))
    ///     .items(&format!("{repos}/nodes"))
    ///     .next_cursor(&format!("{repos}/pageInfo/endCursor"))
    ///     .has_more(&format!("{repos}/pageInfo/hasNextPage"));
    /// # let _ = api;
    /// ```
    pub fn graphql(query: &str, variables: Value) -> Self {
        let body = serde_json::json!({ "query": query, "variables": variables });
        CursorApi::new(SendCursor::PostJson {
            body,
            at: "/variables/after".to_owned(),
        })
    }

    /// Where the items are: a JSON array at this pointer (default `""`: the body is the
    /// array).
    ///
    /// # Examples
    ///
    /// ```
    /// let api = asyncgen::http::CursorApi::query("cursor").items("/data");
    /// # let _ = api;
    /// ```
    ///
    /// # Panics
    ///
    /// If `at` is not a JSON pointer.
    #[track_caller]
    pub fn items(mut self, at: &str) -> Self {
        self.items = pointer("items", at);
        self
    }

    /// The next cursor is the string (or number) at this pointer of the body. Without
    /// this or [`next_from_last_item`](Self::next_from_last_item), the first page is
    /// the only one.
    ///
    /// # Examples
    ///
    /// ```
    /// let api = asyncgen::http::CursorApi::query("pageToken").next_cursor("/nextPageToken");
    /// # let _ = api;
    /// ```
    ///
    /// # Panics
    ///
    /// If `at` is not a JSON pointer.
    #[track_caller]
    pub fn next_cursor(mut self, at: &str) -> Self {
        self.next = Some(NextCursor::At(pointer("next_cursor", at)));
        self
    }

    /// The next cursor is a field of the page's last item, at this pointer within the
    /// item: Stripe's `id`, sent back as `starting_after`. An empty page has none, and
    /// is the last.
    ///
    /// # Examples
    ///
    /// ```
    /// let stripe = asyncgen::http::CursorApi::query("starting_after")
    ///     .items("/data")
    ///     .next_from_last_item("/id")
    ///     .has_more("/has_more");
    /// # let _ = stripe;
    /// ```
    ///
    /// # Panics
    ///
    /// If `at` is not a JSON pointer.
    #[track_caller]
    pub fn next_from_last_item(mut self, at: &str) -> Self {
        self.next = Some(NextCursor::LastItem(pointer("next_from_last_item", at)));
        self
    }

    /// A boolean at this pointer says whether another page follows. `false` ends the
    /// listing whatever the cursor; `true` without a cursor is an error; a missing or
    /// non-boolean flag is an [`HttpError::Shape`].
    ///
    /// # Examples
    ///
    /// ```
    /// let api = asyncgen::http::CursorApi::query("cursor").next_cursor("/next").has_more("/has_more");
    /// # let _ = api;
    /// ```
    ///
    /// # Panics
    ///
    /// If `at` is not a JSON pointer.
    #[track_caller]
    pub fn has_more(mut self, at: &str) -> Self {
        self.has_more = Some(pointer("has_more", at));
        self
    }

    /// Starts with this cursor instead of none: to resume from the
    /// [`cursor`](crate::PaginateError::cursor) of an error (an `Option<String>`).
    ///
    /// # Examples
    ///
    /// ```
    /// let api = asyncgen::http::CursorApi::query("cursor").next_cursor("/next").starting_at("dXNlcjpVMEc5V0ZYTlo");
    /// # let _ = api;
    /// ```
    pub fn starting_at(mut self, cursor: impl Into<String>) -> Self {
        self.first = Some(cursor.into());
        self
    }

    /// The request for the page at `cursor`, and its URL.
    fn request(
        &self,
        client: &Client,
        url: &Url,
        cursor: Option<String>,
    ) -> (reqwest::RequestBuilder, Url) {
        match &self.send {
            SendCursor::Query(param) => {
                let mut url = url.clone();
                if let Some(cursor) = &cursor {
                    url.query_pairs_mut().append_pair(param, cursor);
                }
                (client.get(url.clone()), url)
            }
            SendCursor::PostJson { body, at } => {
                let mut body = body.clone();
                *pointer_entry(&mut body, at) = cursor.map_or(Value::Null, Value::String);
                (client.post(url.clone()).json(&body), url.clone())
            }
        }
    }

    /// The items and the next cursor of a page's body.
    ///
    /// The body is not built into a `serde_json::Value`: it is read once into its
    /// top-level members as borrowed [`RawValue`]s (a scan, no allocation per value),
    /// the pointers are followed from there, and each item is deserialized straight
    /// from its place in the body. That keeps a cursor listing close to a hand-written
    /// loop over a typed page.
    fn read<T: DeserializeOwned>(
        &self,
        body: &RawValue,
        shape: impl Fn(String) -> HttpError,
    ) -> Result<Result<Page<T, Option<String>>, serde_json::Error>, HttpError> {
        let body = Members::of(body);
        let value = |raw: Option<&RawValue>| {
            raw.and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
        };
        let items = match body.find(&self.items) {
            Some(items) if items.get().trim_start().starts_with('[') => items,
            Some(_) => return Err(shape(format!("{:?} is not an array", self.items))),
            None => {
                let graphql_error = match value(body.find("/errors/0/message")) {
                    Some(Value::String(message)) => {
                        format!("; the body's first error: {message:?}")
                    }
                    _ => String::new(),
                };
                return Err(shape(format!(
                    "no items at {:?}{graphql_error}",
                    self.items
                )));
            }
        };
        // The elements one by one only where the last one's cursor is needed; otherwise
        // the items come out of one pass over their array.
        let elements: Option<Vec<&RawValue>> = match &self.next {
            Some(NextCursor::LastItem(_)) => match serde_json::from_str(items.get()) {
                Ok(elements) => Some(elements),
                Err(e) => return Ok(Err(e)),
            },
            _ => None,
        };
        let mut next = match &self.next {
            None => None,
            Some(NextCursor::At(at)) => cursor_at(value(body.find(at)).as_ref(), at, &shape)?,
            Some(NextCursor::LastItem(at)) => {
                let last = elements
                    .iter()
                    .flatten()
                    .last()
                    .and_then(|item| find(item, at));
                cursor_at(value(last).as_ref(), at, &shape)?
            }
        };
        if let Some(flag) = &self.has_more {
            match value(body.find(flag)) {
                Some(Value::Bool(false)) => next = None,
                Some(Value::Bool(true)) if next.is_none() => {
                    return Err(shape(format!(
                        "{flag:?} is true but there is no next cursor"
                    )));
                }
                Some(Value::Bool(true)) => {}
                _ => return Err(shape(format!("{flag:?} is not a boolean"))),
            }
        }
        let items = match elements {
            Some(elements) => elements
                .iter()
                .map(|element| serde_json::from_str::<T>(element.get()))
                .collect::<Result<Vec<T>, _>>(),
            None => serde_json::from_str::<Vec<T>>(items.get()),
        };
        Ok(items.map(|items| Page::new(items, next.map(Some))))
    }
}

/// A body read once into its top-level members, where every pointer starts.
struct Members<'a> {
    whole: &'a RawValue,
    members: Option<HashMap<String, &'a RawValue>>,
}

impl<'a> Members<'a> {
    fn of(whole: &'a RawValue) -> Self {
        let members = whole
            .get()
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str(whole.get()).ok())
            .flatten();
        Members { whole, members }
    }

    fn find(&self, pointer: &str) -> Option<&'a RawValue> {
        let Some(members) = &self.members else {
            return find(self.whole, pointer);
        };
        let Some(rest) = pointer.strip_prefix('/') else {
            return Some(self.whole);
        };
        let (first, rest) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let first = first.replace("~1", "/").replace("~0", "~");
        find(members.get(&first)?, rest)
    }
}

/// The part of `raw` that a JSON pointer names, if there is one.
fn find<'a>(raw: &'a RawValue, pointer: &str) -> Option<&'a RawValue> {
    let mut current = raw;
    for token in pointer.split('/').skip(1) {
        let key = token.replace("~1", "/").replace("~0", "~");
        current = match current.get().trim_start().as_bytes().first() {
            Some(b'{') => {
                let mut members: HashMap<String, &RawValue> =
                    serde_json::from_str(current.get()).ok()?;
                members.remove(&key)?
            }
            Some(b'[') => {
                let index: usize = key.parse().ok()?;
                let elements: Vec<&RawValue> = serde_json::from_str(current.get()).ok()?;
                *elements.get(index)?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// A cursor value: a non-empty string or a number; missing, `null` and `""` mean none.
fn cursor_at(
    value: Option<&Value>,
    at: &str,
    shape: &impl Fn(String) -> HttpError,
) -> Result<Option<String>, HttpError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(shape(format!(
            "the cursor at {at:?} is not a string or a number"
        ))),
    }
}

/// The place a JSON pointer names, made (as objects) where missing.
fn pointer_entry<'v>(mut value: &'v mut Value, pointer: &str) -> &'v mut Value {
    for token in pointer.split('/').skip(1) {
        let key = token.replace("~1", "/").replace("~0", "~");
        if !value.is_object() {
            *value = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = value else {
            unreachable!("just made an object")
        };
        value = map.entry(key).or_insert(Value::Null);
    }
    value
}

impl fmt::Debug for CursorApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("CursorApi");
        match &self.send {
            SendCursor::Query(param) => debug.field("query", param),
            SendCursor::PostJson { at, .. } => debug.field("post_json_cursor_at", at),
        };
        match &self.next {
            Some(NextCursor::At(at)) => debug.field("next_cursor", at),
            Some(NextCursor::LastItem(at)) => debug.field("next_from_last_item", at),
            None => debug.field("next_cursor", &None::<String>),
        };
        debug
            .field("items", &self.items)
            .field("has_more", &self.has_more)
            .finish_non_exhaustive()
    }
}

/// The items of a cursor or page-token JSON API, page after page, as a [`Paginator`]
/// with every builder method of [`paginate_json`](super::paginate_json)'s: limits,
/// prefetch, retry (the same [`retry_policy`] by default), throttle, repeated-cursor
/// policy, [`request_timeout`](Paginator::request_timeout),
/// [`max_page_bytes`](Paginator::max_page_bytes) and
/// [`rate_limit_pacing`](Paginator::rate_limit_pacing).
///
/// `api` says where the items and the next cursor are and how the cursor goes back
/// ([`CursorApi`]). The paginator's cursor is that token, an `Option<String>` (`None`:
/// the first page), which is what repeated-cursor detection compares and what an
/// error carries to resume from ([`CursorApi::starting_at`]).
///
/// # Examples
///
/// Stripe: `has_more`, and the last item's id sent back as `starting_after`.
///
/// ```
/// use asyncgen::http::{paginate_cursor, CursorApi};
/// use asyncgen::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Charge {
///     id: String,
/// }
///
/// async fn charge_ids(client: reqwest::Client, base: &str) -> Vec<String> {
///     let stripe = CursorApi::query("starting_after")
///         .items("/data")
///         .next_from_last_item("/id")
///         .has_more("/has_more");
///     paginate_cursor::<Charge>(client, format!("{base}/v1/charges?limit=2"), stripe)
///         .max_items(100)
///         .map(|charge| charge.unwrap().id)
///         .collect()
///         .await
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let base = format!("http://{}", listener.local_addr().unwrap());
/// # let app = axum::Router::new().route("/v1/charges", axum::routing::get(
/// #     |q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
/// #         axum::Json(match q.get("starting_after").map(String::as_str) {
/// #             None => serde_json::json!({"data": [{"id": "ch_1"}, {"id": "ch_2"}], "has_more": true}),
/// #             _ => serde_json::json!({"data": [{"id": "ch_3"}], "has_more": false}),
/// #         })
/// #     }));
/// # tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
/// assert_eq!(charge_ids(reqwest::Client::new(), &base).await, ["ch_1", "ch_2", "ch_3"]);
/// # }
/// ```
///
/// Slack: `response_metadata.next_cursor`, empty on the last page.
///
/// ```
/// use asyncgen::http::{paginate_cursor, CursorApi};
/// use futures::TryStreamExt;
///
/// #[derive(serde::Deserialize)]
/// struct Member {
///     name: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let base = format!("http://{}", listener.local_addr().unwrap());
/// # let app = axum::Router::new().route("/api/users.list", axum::routing::get(
/// #     |q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
/// #         axum::Json(match q.get("cursor").map(String::as_str) {
/// #             None => serde_json::json!({"ok": true, "members": [{"name": "ada"}, {"name": "grace"}],
/// #                 "response_metadata": {"next_cursor": "dXNlcjpVMEc5V0ZYTlo="}}),
/// #             _ => serde_json::json!({"ok": true, "members": [{"name": "linus"}],
/// #                 "response_metadata": {"next_cursor": ""}}),
/// #         })
/// #     }));
/// # tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
/// let slack = CursorApi::query("cursor")
///     .items("/members")
///     .next_cursor("/response_metadata/next_cursor");
/// let names: Vec<String> = paginate_cursor::<Member>(reqwest::Client::new(), format!("{base}/api/users.list"), slack)
///     .map_ok(|member| member.name)
///     .try_collect()
///     .await
///     .unwrap();
/// assert_eq!(names, ["ada", "grace", "linus"]);
/// # }
/// ```
///
/// Google: `nextPageToken`, sent back as `pageToken`.
///
/// ```
/// use asyncgen::http::{paginate_cursor, CursorApi};
/// use futures::TryStreamExt;
///
/// #[derive(serde::Deserialize)]
/// struct File {
///     name: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let base = format!("http://{}", listener.local_addr().unwrap());
/// # let app = axum::Router::new().route("/drive/v3/files", axum::routing::get(
/// #     |q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
/// #         axum::Json(match q.get("pageToken").map(String::as_str) {
/// #             None => serde_json::json!({"files": [{"name": "a.txt"}, {"name": "b.txt"}], "nextPageToken": "t2"}),
/// #             _ => serde_json::json!({"files": [{"name": "notes.txt"}]}),
/// #         })
/// #     }));
/// # tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
/// let google = CursorApi::query("pageToken").items("/files").next_cursor("/nextPageToken");
/// let files: Vec<File> = paginate_cursor::<File>(reqwest::Client::new(), format!("{base}/drive/v3/files"), google)
///     .try_collect()
///     .await
///     .unwrap();
/// assert_eq!(files.len(), 3);
/// assert_eq!(files[2].name, "notes.txt");
/// # }
/// ```
///
/// GraphQL: a POST whose response carries `pageInfo { hasNextPage endCursor }`.
///
/// ```
/// use asyncgen::http::{paginate_cursor, CursorApi};
/// use futures::TryStreamExt;
///
/// #[derive(serde::Deserialize)]
/// struct Repo {
///     name: String,
/// }
///
/// const QUERY: &str = "query($owner: String!, $after: String) {
///   repositoryOwner(login: $owner) {
///     repositories(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } }
///   }
/// }";
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let base = format!("http://{}", listener.local_addr().unwrap());
/// # let app = axum::Router::new().route("/graphql", axum::routing::post(
/// #     |body: axum::Json<serde_json::Value>| async move {
/// #         let (nodes, more, end) = match body["variables"]["after"].as_str() {
/// #             None => (serde_json::json!([{"name": "anvil"}, {"name": "rocket"}]), true, "Y3Vyc29yOjI="),
/// #             Some(_) => (serde_json::json!([{"name": "tnt"}]), false, "Y3Vyc29yOjM="),
/// #         };
/// #         axum::Json(serde_json::json!({"data": {"repositoryOwner": {"repositories": {
/// #             "nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor": end}}}}}))
/// #     }));
/// # tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
/// let repos = "/data/repositoryOwner/repositories";
/// let github = CursorApi::graphql(QUERY, serde_json::json!({ "owner": "acme" }))
///     .items(&format!("{repos}/nodes"))
///     .next_cursor(&format!("{repos}/pageInfo/endCursor"))
///     .has_more(&format!("{repos}/pageInfo/hasNextPage"));
/// let names: Vec<String> = paginate_cursor::<Repo>(reqwest::Client::new(), format!("{base}/graphql"), github)
///     .map_ok(|repo| repo.name)
///     .try_collect()
///     .await
///     .unwrap();
/// assert_eq!(names, ["anvil", "rocket", "tnt"]);
/// # }
/// ```
pub fn paginate_cursor<T>(
    client: Client,
    url: impl IntoUrl,
    api: CursorApi,
) -> Paginator<Option<String>, CursorFetch<T>>
where
    T: DeserializeOwned + Send + 'static,
{
    let (url, bad_start) = first_url(&client, url);
    let first = api.first.clone();
    let fetch = CursorFetch {
        settings: HttpSettings::new(client),
        url,
        api: Arc::new(api),
        bad_start,
        _items: PhantomData,
    };
    Paginator::new(first, fetch).retry(retry_policy())
}

/// The [`FetchPage`] of [`paginate_cursor`]: one request per page as its
/// [`CursorApi`] says. It lets a listing be named in a signature,
/// `Paginator<Option<String>, CursorFetch<T>>`.
///
/// # Examples
///
/// ```
/// use asyncgen::http::{paginate_cursor, CursorApi, CursorFetch};
/// use asyncgen::paginate::Paginator;
///
/// #[derive(serde::Deserialize)]
/// struct Charge {
///     id: String,
/// }
///
/// fn charges(client: reqwest::Client) -> Paginator<Option<String>, CursorFetch<Charge>> {
///     let stripe = CursorApi::query("starting_after").items("/data").next_from_last_item("/id").has_more("/has_more");
///     paginate_cursor::<Charge>(client, "https://api.stripe.com/v1/charges", stripe)
/// }
/// # drop(charges(reqwest::Client::new()));
/// ```
pub struct CursorFetch<T> {
    settings: HttpSettings,
    url: Url,
    api: Arc<CursorApi>,
    bad_start: Option<HttpError>,
    _items: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for CursorFetch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorFetch")
            .field("url", &self.url.as_str())
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl<T> Sealed for CursorFetch<T> {
    fn http_settings(&mut self) -> &mut HttpSettings {
        &mut self.settings
    }
}

impl<T: DeserializeOwned + Send + 'static> FetchPage<Option<String>> for CursorFetch<T> {
    type Item = T;
    type Error = HttpError;
    // Boxed so that the type can be named; one allocation per HTTP request is noise.
    type Future = Pin<Box<dyn Future<Output = Result<Page<T, Option<String>>, HttpError>> + Send>>;

    fn fetch_page(&mut self, cursor: Option<String>) -> Self::Future {
        let bad_start = self.bad_start.take();
        let settings = self.settings.clone();
        let api = Arc::clone(&self.api);
        let (request, url) = api.request(&settings.client, &self.url, cursor);
        let request = request.header(ACCEPT, HeaderValue::from_static("application/json"));
        Box::pin(async move {
            if let Some(err) = bad_start {
                return Err(err);
            }
            let answer = exchange(&settings, request, &url).await?;
            let body: &RawValue =
                serde_json::from_slice(&answer.body).map_err(|source| answer.body_error(source))?;
            let shape = |reason| HttpError::Shape {
                url: answer.url.clone(),
                reason,
            };
            api.read(body, shape)?
                .map_err(|source| answer.body_error(source))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_entry_makes_the_path() {
        let mut body = serde_json::json!({"query": "q", "variables": {"owner": "o"}});
        *pointer_entry(&mut body, "/variables/after") = Value::from("c1");
        assert_eq!(
            body["variables"],
            serde_json::json!({"owner": "o", "after": "c1"})
        );
        let mut empty = Value::Null;
        *pointer_entry(&mut empty, "/a~1b/c~0d") = Value::from(1);
        assert_eq!(empty, serde_json::json!({"a/b": {"c~d": 1}}));
    }

    fn read(api: &CursorApi, body: Value) -> Result<Page<u32, Option<String>>, String> {
        let url = Url::parse("http://127.0.0.1/").unwrap();
        let text = body.to_string();
        let body: &RawValue = serde_json::from_str(&text).unwrap();
        api.read(body, |reason| HttpError::Shape {
            url: url.clone(),
            reason,
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
    }

    #[test]
    fn cursors_flags_and_ends() {
        let api = CursorApi::query("c").items("/data").next_cursor("/next");
        let page = read(&api, serde_json::json!({"data": [1, 2], "next": "n2"})).unwrap();
        assert_eq!(page, Page::new(vec![1, 2], Some(Some("n2".to_owned()))));
        for end in [
            serde_json::json!({"data": []}),
            serde_json::json!({"data": [], "next": ""}),
            serde_json::json!({"data": [], "next": null}),
        ] {
            assert_eq!(read(&api, end).unwrap().next, None);
        }
        let numeric = read(&api, serde_json::json!({"data": [], "next": 40})).unwrap();
        assert_eq!(numeric.next, Some(Some("40".to_owned())));

        let stripe = CursorApi::query("starting_after")
            .items("/data")
            .next_from_last_item("/id")
            .has_more("/more");
        let body = serde_json::json!({"data": [{"id": 7}], "more": true});
        let err = read(&stripe, body).unwrap_err();
        assert!(err.contains("invalid type"), "{err}");
        let flags = CursorApi::query("c")
            .items("/data")
            .next_cursor("/next")
            .has_more("/more");
        let done = read(
            &flags,
            serde_json::json!({"data": [1], "next": "x", "more": false}),
        )
        .unwrap();
        assert_eq!(done.next, None);
        let err = read(&flags, serde_json::json!({"data": [1], "more": true})).unwrap_err();
        assert!(
            err.ends_with("\"/more\" is true but there is no next cursor"),
            "{err}"
        );
        let err = read(
            &flags,
            serde_json::json!({"data": [1], "next": "x", "more": "yes"}),
        )
        .unwrap_err();
        assert!(err.ends_with("\"/more\" is not a boolean"), "{err}");
    }

    #[test]
    fn missing_items_quote_graphql_errors() {
        let api = CursorApi::graphql("q", Value::Null).items("/data/x/nodes");
        let err = read(
            &api,
            serde_json::json!({"errors": [{"message": "rate limited"}]}),
        )
        .unwrap_err();
        assert!(
            err.ends_with(
                "no items at \"/data/x/nodes\"; the body's first error: \"rate limited\""
            ),
            "{err}"
        );
        let err = read(&api, serde_json::json!({"data": {"x": {"nodes": {}}}})).unwrap_err();
        assert!(err.ends_with("\"/data/x/nodes\" is not an array"), "{err}");
    }
}
