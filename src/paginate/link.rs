//! RFC 8288 `Link` headers: find the next page of a paginated REST API.
//!
//! [`next_url`] is what a paginator needs: the `rel="next"` target of a `Link` header,
//! resolved against the URL the response came from. [`parse`] is the full reader
//! underneath it, for other relations (`last`, `prev`) and parameters.
//!
//! The reader is hand-written rather than taken from a crate. `parse_link_header` 0.4,
//! the usual choice, keys links by their `rel` string with the spaces removed
//! (`rel="next last"` becomes `"nextlast"`, so it has no `next`), rejects a header with a
//! comma inside a quoted value, does not see `REL=`, accepts an unterminated quote, and
//! leaves relative targets unresolved; typed-header collections either have no `Link`
//! header (`headers`) or sit on the old `http` 0.2 types (`hyperx`). What this module
//! guarantees, and tests: quoted strings with escapes and delimiters inside, multi-valued
//! and case-insensitive `rel`, RFC 3986 resolution of relative targets, and a typed error
//! (never a panic) for any malformed input.
//!
//! ```
//! let header = r#"<https://api.example.com/items?page=2>; rel="next", <https://api.example.com/items?page=9>; rel="last""#;
//! let next = asyncgen::link::next_url(header, "https://api.example.com/items?page=1");
//! assert_eq!(next.unwrap().as_str(), "https://api.example.com/items?page=2");
//! ```

use std::borrow::Cow;
use std::error::Error;
use std::fmt;

use url::Url;

/// The `rel="next"` target of a `Link` header value, resolved against `request_url`.
///
/// Relative targets are resolved as RFC 3986 says, against the full request URL, so a
/// server under a path prefix (GitHub Enterprise's `/api/v3/`, a reverse proxy's
/// `/service/`) keeps it: `/api/v3/repos?page=2`, `repos?page=2` and `?page=2` all land
/// where a browser would take them. Relation types compare case-insensitively and may be
/// one of several (`rel="next last"`). A link with an `anchor` parameter naming a
/// different resource is not about this response and is skipped.
///
/// What it returns is a page to request: an `http` or `https` URL, without a fragment.
/// A target in another scheme (`javascript:`, `file:`, `data:`, `ftp:`...) is `None`,
/// as if the page had no next link, so a server cannot send a client that follows the
/// result blindly anywhere else; and a `#fragment` is dropped, since it is never sent
/// (`<#p2>` names the page just fetched). [`parse`] and [`Link::resolve`] give
/// targets of any scheme, as written, for other uses.
///
/// Returns `None` when there is no next link, when `request_url` is not an absolute URL,
/// when the target cannot be resolved or is not `http` or `https`, or when the header is
/// malformed anywhere: a header that cannot be read in full is not trusted for any of
/// its links. It never panics.
///
/// # Examples
///
/// ```
/// use asyncgen::link::next_url;
///
/// // GitHub-style: absolute targets, several links.
/// let header = r#"<https://ghe.example.com/api/v3/repositories/1/issues?page=3>; rel="next", <https://ghe.example.com/api/v3/repositories/1/issues?page=7>; rel="last""#;
/// let next = next_url(header, "https://ghe.example.com/api/v3/repos/o/r/issues?page=2");
/// assert_eq!(
///     next.unwrap().as_str(),
///     "https://ghe.example.com/api/v3/repositories/1/issues?page=3"
/// );
///
/// // Relative targets keep the request's prefix.
/// let next = next_url("</api/v3/items?page=2>; REL=Next", "https://ghe.example.com/api/v3/items");
/// assert_eq!(next.unwrap().as_str(), "https://ghe.example.com/api/v3/items?page=2");
/// let next = next_url("<?page=2>; rel=next", "https://ghe.example.com/api/v3/items?page=1");
/// assert_eq!(next.unwrap().as_str(), "https://ghe.example.com/api/v3/items?page=2");
///
/// // The last page, and a malformed header.
/// assert_eq!(next_url(r#"<https://e.com/?page=1>; rel="first""#, "https://e.com/"), None);
/// assert_eq!(next_url(r#"<https://e.com/?page=2; rel="next"#, "https://e.com/"), None);
///
/// // Only pages to request: no other scheme, no fragment.
/// assert_eq!(next_url("<javascript:alert(1)>; rel=next", "https://e.com/"), None);
/// assert_eq!(next_url("<file:///etc/passwd>; rel=next", "https://e.com/"), None);
/// let next = next_url("<?page=2#top>; rel=next", "https://e.com/items");
/// assert_eq!(next.unwrap().as_str(), "https://e.com/items?page=2");
/// ```
pub fn next_url(header_value: &str, request_url: &str) -> Option<Url> {
    let base = Url::parse(request_url).ok()?;
    next_url_from(header_value, &base)
}

/// [`next_url`] with the request URL already parsed.
///
/// # Examples
///
/// ```
/// let base = url::Url::parse("https://api.example.com/v1/users?page=1").unwrap();
/// let next = asyncgen::link::next_url_from("<users?page=2>; rel=\"next\"", &base);
/// assert_eq!(next.unwrap().as_str(), "https://api.example.com/v1/users?page=2");
/// ```
pub fn next_url_from(header_value: &str, request_url: &Url) -> Option<Url> {
    let mut found = None;
    for link in parse(header_value) {
        let link = link.ok()?;
        if found.is_none() && link.has_rel("next") && link.is_about(request_url) {
            found = Some(link.resolve(request_url)?);
        }
    }
    let mut next = found.filter(|url| matches!(url.scheme(), "http" | "https"))?;
    next.set_fragment(None);
    Some(next)
}

/// Reads every link of a `Link` header value, in order.
///
/// Each item is a [`Link`], or a [`LinkError`] saying where the header stopped making
/// sense; the iterator ends after an error. Empty list elements (`, ,`) are skipped, as
/// HTTP list syntax allows.
///
/// # Examples
///
/// ```
/// let header = r#"<https://e.com/p/2>; rel="next last"; title="Page 2, the end", </p/1>; rel=prev"#;
/// let links: Vec<_> = asyncgen::link::parse(header).collect::<Result<_, _>>().unwrap();
/// assert_eq!(links.len(), 2);
/// assert_eq!(links[0].target(), "https://e.com/p/2");
/// assert_eq!(links[0].rels().collect::<Vec<_>>(), ["next", "last"]);
/// assert_eq!(links[0].param("TITLE"), Some("Page 2, the end"));
/// assert!(links[1].has_rel("PREV"));
///
/// let mut broken = asyncgen::link::parse("<https://e.com/>; rel=next, garbage");
/// assert!(broken.next().unwrap().is_ok());
/// let err = broken.next().unwrap().unwrap_err();
/// assert_eq!(err.offset(), 28);
/// assert!(broken.next().is_none());
/// ```
pub fn parse(header_value: &str) -> Links<'_> {
    Links {
        input: header_value,
        pos: 0,
        done: false,
    }
}

/// The iterator returned by [`parse`].
///
/// # Examples
///
/// ```
/// let mut links: asyncgen::link::Links<'_> = asyncgen::link::parse("<a>, <b>");
/// assert_eq!(links.next().unwrap().unwrap().target(), "a");
/// assert_eq!(links.next().unwrap().unwrap().target(), "b");
/// assert!(links.next().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Links<'a> {
    input: &'a str,
    pos: usize,
    done: bool,
}

/// One link of a `Link` header: a target and its parameters, borrowed from the header.
///
/// # Examples
///
/// ```
/// let link = asyncgen::link::parse(r#"<../b>; Rel="Next"; hreflang=en; crossorigin"#)
///     .next()
///     .unwrap()
///     .unwrap();
/// assert_eq!(link.target(), "../b");
/// assert_eq!(link.param("hreflang"), Some("en"));
/// assert!(link.has_param("crossorigin"));
/// let base = url::Url::parse("https://e.com/x/a").unwrap();
/// assert_eq!(link.resolve(&base).unwrap().as_str(), "https://e.com/b");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    target: &'a str,
    params: Vec<(&'a str, Option<Cow<'a, str>>)>,
}

impl<'a> Link<'a> {
    /// The target URI reference, exactly as written between `<` and `>`.
    ///
    /// # Examples
    ///
    /// ```
    /// let link = asyncgen::link::parse("</items?page=2>").next().unwrap().unwrap();
    /// assert_eq!(link.target(), "/items?page=2");
    /// ```
    pub fn target(&self) -> &'a str {
        self.target
    }

    /// The value of the first parameter called `name` (compared case-insensitively), with
    /// quoted-string escapes undone. `None` when the parameter is absent or has no value.
    ///
    /// Only the first occurrence counts, as RFC 8288 asks for `rel`.
    ///
    /// # Examples
    ///
    /// ```
    /// let link = asyncgen::link::parse(r#"<a>; title="say \"hi\"; bye"; rel=a; rel=b"#)
    ///     .next()
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(link.param("Title"), Some(r#"say "hi"; bye"#));
    /// assert_eq!(link.param("rel"), Some("a"));
    /// assert_eq!(link.param("type"), None);
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether a parameter called `name` is present, with or without a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let link = asyncgen::link::parse("<a>; crossorigin").next().unwrap().unwrap();
    /// assert!(link.has_param("CrossOrigin"));
    /// assert!(!link.has_param("rel"));
    /// ```
    pub fn has_param(&self, name: &str) -> bool {
        self.params
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Every parameter in order: its name as written and its unescaped value, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let link = asyncgen::link::parse("<a>; rel=next; async").next().unwrap().unwrap();
    /// let params: Vec<_> = link.params().collect();
    /// assert_eq!(params, [("rel", Some("next")), ("async", None)]);
    /// ```
    pub fn params(&self) -> impl Iterator<Item = (&'a str, Option<&str>)> + '_ {
        self.params.iter().map(|(n, v)| (*n, v.as_deref()))
    }

    /// The relation types of the first `rel` parameter (`rel="next last"` has two).
    ///
    /// # Examples
    ///
    /// ```
    /// let link = asyncgen::link::parse("<a>; rel=\" next\tlast \"").next().unwrap().unwrap();
    /// assert_eq!(link.rels().collect::<Vec<_>>(), ["next", "last"]);
    /// ```
    pub fn rels(&self) -> impl Iterator<Item = &str> + '_ {
        self.param("rel").unwrap_or("").split_ascii_whitespace()
    }

    /// Whether `rel` is one of this link's relation types, compared case-insensitively.
    ///
    /// # Examples
    ///
    /// ```
    /// let link = asyncgen::link::parse(r#"<a>; rel="Next Last""#).next().unwrap().unwrap();
    /// assert!(link.has_rel("next") && link.has_rel("LAST"));
    /// assert!(!link.has_rel("prev"));
    /// ```
    pub fn has_rel(&self, rel: &str) -> bool {
        self.rels().any(|r| r.eq_ignore_ascii_case(rel))
    }

    /// The target resolved against `base` (the URL of the response that carried the
    /// header), as RFC 3986 section 5 says. `None` if it does not form a valid URL.
    ///
    /// # Examples
    ///
    /// ```
    /// let base = url::Url::parse("https://e.com/api/v3/items?page=1").unwrap();
    /// let link = asyncgen::link::parse("<items?page=2>").next().unwrap().unwrap();
    /// assert_eq!(link.resolve(&base).unwrap().as_str(), "https://e.com/api/v3/items?page=2");
    /// ```
    pub fn resolve(&self, base: &Url) -> Option<Url> {
        base.join(self.target).ok()
    }

    /// Whether this link's context is the resource at `request_url`: true unless an
    /// `anchor` parameter names some other resource.
    pub(crate) fn is_about(&self, request_url: &Url) -> bool {
        match self.param("anchor") {
            None => true,
            Some(anchor) => request_url
                .join(anchor)
                .is_ok_and(|a| a.as_str() == request_url.as_str()),
        }
    }
}

/// Where and why a `Link` header could not be read.
///
/// # Examples
///
/// ```
/// let err = asyncgen::link::parse("<a>; rel=\"next").next().unwrap().unwrap_err();
/// assert_eq!(err.offset(), 14);
/// assert_eq!(err.to_string(), "malformed Link header at byte 14: expected a closing '\"'");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    offset: usize,
    expected: &'static str,
}

impl LinkError {
    #[cfg(feature = "http")]
    pub(crate) fn new(offset: usize, expected: &'static str) -> Self {
        LinkError { offset, expected }
    }

    /// The byte offset in the header value where reading failed.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = asyncgen::link::parse("nope").next().unwrap().unwrap_err();
    /// assert_eq!(err.offset(), 0);
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed Link header at byte {}: expected {}",
            self.offset, self.expected
        )
    }
}

impl Error for LinkError {}

impl<'a> Iterator for Links<'a> {
    type Item = Result<Link<'a>, LinkError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.link();
        match item {
            None | Some(Err(_)) => self.done = true,
            Some(Ok(_)) => {}
        }
        item
    }
}

impl std::iter::FusedIterator for Links<'_> {}

/// `tchar` of RFC 9110: the characters of a token (parameter names, unquoted values).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `qdtext` and the escaped characters of a quoted-pair: anything but controls (tab
/// excepted). Bytes of non-ASCII characters are `obs-text`.
fn is_quoted_text(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

impl<'a> Links<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn error<T>(&self, expected: &'static str) -> Option<Result<T, LinkError>> {
        Some(Err(LinkError {
            offset: self.pos,
            expected,
        }))
    }

    /// Every slice below starts and ends next to an ASCII delimiter (or the ends of the
    /// input), so it always falls on character boundaries.
    fn link(&mut self) -> Option<Result<Link<'a>, LinkError>> {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.pos += 1;
        }
        match self.peek() {
            None => return None,
            Some(b'<') => self.pos += 1,
            Some(_) => return self.error("'<'"),
        }
        let start = self.pos;
        loop {
            match self.peek() {
                Some(b'>') => break,
                Some(b) if b > b' ' && b != 0x7f && b != b'<' => self.pos += 1,
                _ => return self.error("'>' closing the link target"),
            }
        }
        let target = &self.input[start..self.pos];
        self.pos += 1;

        let mut params = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                None => break,
                Some(b',') => {
                    self.pos += 1;
                    break;
                }
                Some(b';') => {
                    self.pos += 1;
                    self.skip_whitespace();
                    if matches!(self.peek(), None | Some(b',' | b';')) {
                        // An empty parameter (`<a>;` or `<a>;;rel=next`): nothing to record.
                        continue;
                    }
                    match self.param() {
                        Ok(param) => params.push(param),
                        Err(e) => return Some(Err(e)),
                    }
                }
                Some(_) => return self.error("';' or ','"),
            }
        }
        Some(Ok(Link { target, params }))
    }

    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        &self.input[start..self.pos]
    }

    fn param(&mut self) -> Result<(&'a str, Option<Cow<'a, str>>), LinkError> {
        let fail = |pos, expected| LinkError {
            offset: pos,
            expected,
        };
        let name = self.token();
        if name.is_empty() {
            return Err(fail(self.pos, "a parameter name"));
        }
        self.skip_whitespace();
        if self.peek() != Some(b'=') {
            return Ok((name, None));
        }
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            let value = self.token();
            if value.is_empty() {
                return Err(fail(self.pos, "a parameter value"));
            }
            return Ok((name, Some(Cow::Borrowed(value))));
        }
        self.pos += 1;
        let start = self.pos;
        let mut unescaped: Option<String> = None;
        loop {
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    let owned =
                        unescaped.get_or_insert_with(|| self.input[start..self.pos].to_owned());
                    self.pos += 1;
                    match self.input[self.pos..].chars().next() {
                        Some(c) if c as u32 > 0x7f || is_quoted_text(c as u8) => {
                            owned.push(c);
                            self.pos += c.len_utf8();
                        }
                        _ => return Err(fail(self.pos, "an escaped character")),
                    }
                }
                Some(b) if is_quoted_text(b) => {
                    // Bytes are copied a character at a time so that multi-byte
                    // characters stay whole in the unescaped copy.
                    let c = self.input[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    if let Some(owned) = unescaped.as_mut() {
                        owned.push(c);
                    }
                    self.pos += c.len_utf8();
                }
                _ => return Err(fail(self.pos, "a closing '\"'")),
            }
        }
        let value = match unescaped {
            Some(owned) => Cow::Owned(owned),
            None => Cow::Borrowed(&self.input[start..self.pos]),
        };
        self.pos += 1;
        Ok((name, Some(value)))
    }
}
