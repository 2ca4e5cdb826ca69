//! One page of a `Link`-paginated JSON API.

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, LINK};
use serde::de::DeserializeOwned;
use url::{Origin, Url};

use super::HttpError;
use super::exchange::{HttpSettings, exchange};
use crate::link::{self, LinkError};
use crate::paginate::Page;

/// Fetches `url` once and reads its body as a JSON array of `T` and its `Link` header's
/// `rel="next"` target, which must lie within `origin` when one is given. Waiting and
/// retrying is the paginator's [`RetryPolicy`]'s job; a non-2xx answer carries its
/// `Retry-After` for it.
///
/// [`RetryPolicy`]: crate::paginate::RetryPolicy
pub(crate) async fn fetch_page<T: DeserializeOwned>(
    settings: HttpSettings,
    url: Url,
    origin: Option<Origin>,
) -> Result<Page<T, Url>, HttpError> {
    let request = settings
        .client
        .get(url.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"));
    let answer = exchange(&settings, request, &url).await?;
    // Relative links resolve against where the page really came from, after redirects.
    let next = next_link(&answer.headers, &answer.url, origin.as_ref())?;
    let items = answer.json()?;
    Ok(Page::new(items, next))
}

/// The `rel="next"` target of all `Link` header fields (a response may send several;
/// HTTP reads them as one comma-separated list); an error if it leaves `origin`.
fn next_link(
    headers: &HeaderMap,
    page_url: &Url,
    origin: Option<&Origin>,
) -> Result<Option<Url>, HttpError> {
    let mut joined = String::new();
    for value in headers.get_all(LINK) {
        if !joined.is_empty() {
            joined.push_str(", ");
        }
        let offset = joined.len();
        // Not `HeaderValue::to_str`, which takes visible ASCII only: a title or a target
        // may be an IRI in UTF-8, and the link reader handles non-ASCII text.
        let text = std::str::from_utf8(value.as_bytes()).map_err(|e| HttpError::Link {
            url: page_url.clone(),
            source: LinkError::new(offset + e.valid_up_to(), "UTF-8"),
        })?;
        joined.push_str(text);
    }
    let mut target = None;
    // Read every link, not just up to the first `next`: a header that is malformed
    // anywhere is reported rather than half-trusted.
    for link in link::parse(&joined) {
        let link = link.map_err(|source| HttpError::Link {
            url: page_url.clone(),
            source,
        })?;
        if target.is_none() && link.has_rel("next") && link.is_about(page_url) {
            target = Some(link.target());
        }
    }
    let Some(target) = target else {
        return Ok(None);
    };
    let bad_url = |reason: String| HttpError::BadUrl {
        url: Some(target.to_owned()),
        reason,
    };
    let mut next = page_url
        .join(target)
        .map_err(|e| bad_url(format!("next link from {page_url}: {e}")))?;
    // A fragment is never sent: `<#p2>` names the page just fetched, and must count as
    // a repeat of it, not as a new cursor.
    next.set_fragment(None);
    if !matches!(next.scheme(), "http" | "https") {
        return Err(bad_url(format!(
            "next link from {page_url} is not http or https"
        )));
    }
    if origin.is_some_and(|origin| next.origin() != *origin) {
        return Err(HttpError::CrossOriginNext {
            from: page_url.clone(),
            to: Box::new(next),
        });
    }
    Ok(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The next page named by `link` on the page `page`, for a listing that started at
    /// `first` (`None`: other origins allowed).
    fn next(link: &str, page: &str, first: Option<&str>) -> Result<Option<Url>, HttpError> {
        let mut headers = HeaderMap::new();
        headers.insert(LINK, HeaderValue::from_str(link).unwrap());
        let origin = first.map(|first| Url::parse(first).unwrap().origin());
        next_link(&headers, &Url::parse(page).unwrap(), origin.as_ref())
    }

    #[test]
    fn links_within_the_origin_are_followed() {
        let first = Some("https://api.example.com/items");
        for link in [
            "<https://api.example.com/items?page=2>; rel=next",
            "<https://API.example.com:443/items?page=2>; rel=next",
            "</items?page=2>; rel=next",
            "<?page=2>; rel=next",
        ] {
            let url = next(link, "https://api.example.com/items", first).unwrap();
            assert_eq!(
                url.unwrap().as_str(),
                "https://api.example.com/items?page=2",
                "{link}"
            );
        }
    }

    #[test]
    fn a_downgrade_to_http_or_another_host_or_port_is_refused() {
        let first = Some("https://api.example.com/items");
        for target in [
            "http://api.example.com/items?page=2",
            "https://cdn.example.com/items?page=2",
            "https://api.example.com:8443/items?page=2",
        ] {
            let link = format!("<{target}>; rel=next");
            match next(&link, "https://api.example.com/items", first) {
                Err(HttpError::CrossOriginNext { from, to }) => {
                    assert_eq!(from.as_str(), "https://api.example.com/items");
                    assert_eq!(to.as_str(), target);
                }
                other => panic!("{target}: expected a cross-origin error, got {other:?}"),
            }
            let allowed = next(&link, "https://api.example.com/items", None).unwrap();
            assert_eq!(allowed.unwrap().as_str(), target);
        }
    }

    #[test]
    fn the_origin_is_the_first_requests_not_the_pages() {
        // A redirect that brought a page from another origin does not move the origin
        // its links are held to.
        let err = next(
            "<?page=3>; rel=next",
            "https://cdn.example.com/items?page=2",
            Some("https://api.example.com/items"),
        );
        assert!(
            matches!(err, Err(HttpError::CrossOriginNext { .. })),
            "{err:?}"
        );
    }
}
