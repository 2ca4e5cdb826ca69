//! Real servers on 127.0.0.1 shaped like the cursor APIs people call, each listing the
//! items `0..total` three at a time and logging what every request asked for:
//!
//! - Stripe: `GET /v1/customers?limit=3[&starting_after=cus_N]` answers
//!   `{"object": "list", "data": [{"id": "cus_N", ...}], "has_more": bool}`.
//! - Slack: `GET /api/conversations.list?limit=3[&cursor=C]` answers
//!   `{"ok": true, "channels": [...], "response_metadata": {"next_cursor": "C" | ""}}`.
//! - Google: `GET /v1/projects/p/things?pageSize=3[&pageToken=T]` answers
//!   `{"things": [...], "nextPageToken": "T"}`, without the token on the last page.
//! - GraphQL: `POST /graphql` with `{"query": .., "variables": {"after": C | null}}`
//!   answers `{"data": {"things": {"nodes": [...], "pageInfo": {"hasNextPage": bool,
//!   "endCursor": C}}}}`.
//!
//! Cursors are opaque strings that encode an offset; an unknown cursor is a `400`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub const PER_PAGE: usize = 3;

struct Shared {
    total: usize,
    /// One entry per request: the cursor it carried (`None`: the first page).
    requests: Mutex<Vec<Option<String>>>,
}

pub struct ApiServer {
    served: super::Served,
    shared: Arc<Shared>,
}

fn item(i: usize) -> Value {
    json!({"id": format!("cus_{i}"), "name": format!("item-{i}")})
}

fn token(offset: usize) -> String {
    format!("b2Zmc2V0OnsK{offset}")
}

fn offset_of(token: &str) -> Option<usize> {
    token.strip_prefix("b2Zmc2V0OnsK")?.parse().ok()
}

impl Shared {
    /// The items from `offset`, and the offset after them if any remain; `None` for a
    /// cursor this server never handed out.
    fn page(
        &self,
        cursor: Option<&str>,
        decode: fn(&str) -> Option<usize>,
    ) -> Option<(Vec<Value>, Option<usize>)> {
        self.requests
            .lock()
            .unwrap()
            .push(cursor.map(str::to_owned));
        let offset = match cursor {
            None => 0,
            Some(cursor) => decode(cursor)?,
        };
        let end = (offset + PER_PAGE).min(self.total);
        let items = (offset.min(end)..end).map(item).collect();
        Some((items, (end < self.total).then_some(end)))
    }
}

fn bad_cursor() -> Response {
    (StatusCode::BAD_REQUEST, "unknown cursor").into_response()
}

async fn stripe(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let after = |id: &str| Some(id.strip_prefix("cus_")?.parse::<usize>().ok()? + 1);
    let Some((data, next)) = s.page(q.get("starting_after").map(String::as_str), after) else {
        return bad_cursor();
    };
    axum::Json(json!({"object": "list", "data": data, "has_more": next.is_some()})).into_response()
}

async fn slack(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some((channels, next)) = s.page(q.get("cursor").map(String::as_str), offset_of) else {
        return bad_cursor();
    };
    let next_cursor = next.map(token).unwrap_or_default();
    axum::Json(json!({"ok": true, "channels": channels, "response_metadata": {"next_cursor": next_cursor}}))
        .into_response()
}

async fn google(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some((things, next)) = s.page(q.get("pageToken").map(String::as_str), offset_of) else {
        return bad_cursor();
    };
    let mut body = json!({"things": things});
    if let Some(next) = next {
        body["nextPageToken"] = json!(token(next));
    }
    axum::Json(body).into_response()
}

async fn graphql(State(s): State<Arc<Shared>>, axum::Json(request): axum::Json<Value>) -> Response {
    if request["query"]
        .as_str()
        .is_none_or(|q| !q.contains("pageInfo"))
    {
        return (StatusCode::BAD_REQUEST, "no query").into_response();
    }
    let Some((nodes, next)) = s.page(request["variables"]["after"].as_str(), offset_of) else {
        return axum::Json(json!({"errors": [{"message": "invalid cursor"}]})).into_response();
    };
    let end_cursor = token(next.unwrap_or(s.total));
    axum::Json(json!({"data": {"things": {
        "nodes": nodes,
        "pageInfo": {"hasNextPage": next.is_some(), "endCursor": end_cursor},
    }}}))
    .into_response()
}

impl ApiServer {
    pub async fn start(total: usize) -> ApiServer {
        let shared = Arc::new(Shared {
            total,
            requests: Mutex::default(),
        });
        let app = Router::new()
            .route("/v1/customers", get(stripe))
            .route("/api/conversations.list", get(slack))
            .route("/v1/projects/p/things", get(google))
            .route("/graphql", post(graphql))
            .with_state(shared.clone());
        let served = super::Served::start(app).await;
        ApiServer { served, shared }
    }

    pub fn url(&self, path: &str) -> String {
        self.served.url(path)
    }

    /// The cursor each request carried, in order.
    pub fn cursors(&self) -> Vec<Option<String>> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn token(offset: usize) -> String {
        token(offset)
    }
}
