//! RFC 8288 `Link` header reading: `link::next_url` and `link::parse`.

use asyncgen::link::{self, next_url};
use proptest::prelude::*;

fn next(header: &str, request: &str) -> Option<String> {
    next_url(header, request).map(String::from)
}

const GITHUB: &str = "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", \
<https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", \
<https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\", \
<https://api.github.com/repositories/1300192/issues?page=1>; rel=\"first\"";

#[test]
fn github_header_with_four_links() {
    assert_eq!(
        next(GITHUB, "https://api.github.com/repos/o/r/issues?page=3").as_deref(),
        Some("https://api.github.com/repositories/1300192/issues?page=4")
    );
    let rels: Vec<Vec<String>> = link::parse(GITHUB)
        .map(|l| l.unwrap().rels().map(str::to_owned).collect())
        .collect();
    assert_eq!(rels, [["prev"], ["next"], ["last"], ["first"]]);
}

#[test]
fn last_page_has_no_next() {
    let header = "<https://e.com/i?page=1>; rel=\"first\", <https://e.com/i?page=2>; rel=\"prev\"";
    assert_eq!(next(header, "https://e.com/i?page=3"), None);
    assert_eq!(next("", "https://e.com/"), None);
}

#[test]
fn unquoted_and_multi_valued_rel() {
    assert_eq!(
        next("<https://e.com/2>; rel=next", "https://e.com/1").as_deref(),
        Some("https://e.com/2")
    );
    assert_eq!(
        next("<https://e.com/9>; rel=\"last next\"", "https://e.com/1").as_deref(),
        Some("https://e.com/9")
    );
    assert_eq!(
        next(
            "<https://e.com/9>; rel=\"  prev\t NEXT  \"",
            "https://e.com/1"
        )
        .as_deref(),
        Some("https://e.com/9")
    );
    // `nextpage` and `next-archive` are other relation types, not `next`.
    assert_eq!(
        next(
            "<https://e.com/9>; rel=\"nextpage next-archive\"",
            "https://e.com/1"
        ),
        None
    );
}

#[test]
fn rel_and_parameter_names_are_case_insensitive() {
    assert_eq!(
        next("<https://e.com/2>; REL=\"NeXt\"", "https://e.com/1").as_deref(),
        Some("https://e.com/2")
    );
    let link = link::parse("<a>; Title=\"x\"").next().unwrap().unwrap();
    assert_eq!(link.param("tItLe"), Some("x"));
}

#[test]
fn only_the_first_rel_parameter_counts() {
    assert_eq!(
        next("<https://e.com/2>; rel=prev; rel=next", "https://e.com/1"),
        None
    );
    assert_eq!(
        next("<https://e.com/2>; rel=next; rel=prev", "https://e.com/1").as_deref(),
        Some("https://e.com/2")
    );
}

#[test]
fn the_first_next_link_wins() {
    let header = "<https://e.com/a>; rel=next, <https://e.com/b>; rel=next";
    assert_eq!(
        next(header, "https://e.com/").as_deref(),
        Some("https://e.com/a")
    );
}

#[test]
fn delimiters_inside_quoted_values() {
    let header = r#"<https://e.com/p>; title="a, <b>; rel=next"; rel="prev", <https://e.com/n>; title="x;y,z \"q\" \\"; rel="next""#;
    assert_eq!(
        next(header, "https://e.com/").as_deref(),
        Some("https://e.com/n")
    );
    let links: Vec<_> = link::parse(header).collect::<Result<_, _>>().unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].param("title"), Some("a, <b>; rel=next"));
    assert_eq!(links[1].param("title"), Some(r#"x;y,z "q" \"#));
}

#[test]
fn whitespace_variations() {
    for header in [
        "<https://e.com/2>;rel=next",
        "<https://e.com/2> ; rel = \"next\"",
        "\t<https://e.com/2>\t;\trel\t=\tnext\t",
        " , <https://e.com/1>;rel=prev,,  ,<https://e.com/2>;rel=next , ",
        "<https://e.com/2>; rel=next;",
        "<https://e.com/2>;; rel=next",
    ] {
        assert_eq!(
            next(header, "https://e.com/").as_deref(),
            Some("https://e.com/2"),
            "{header:?}"
        );
    }
}

#[test]
fn relative_targets_keep_the_enterprise_prefix() {
    let request = "https://ghe.example.com/api/v3/repos/o/r/issues?page=1&per_page=50";
    for (target, expected) in [
        (
            "/api/v3/repos/o/r/issues?page=2",
            "https://ghe.example.com/api/v3/repos/o/r/issues?page=2",
        ),
        (
            "issues?page=2",
            "https://ghe.example.com/api/v3/repos/o/r/issues?page=2",
        ),
        (
            "?page=2",
            "https://ghe.example.com/api/v3/repos/o/r/issues?page=2",
        ),
        (
            "../pulls?page=2",
            "https://ghe.example.com/api/v3/repos/o/pulls?page=2",
        ),
        ("//other.example.com/x", "https://other.example.com/x"),
        (
            "https://ghe.example.com/api/v3/repositories/7/issues?page=2",
            "https://ghe.example.com/api/v3/repositories/7/issues?page=2",
        ),
    ] {
        let header = format!("<{target}>; rel=\"next\"");
        assert_eq!(
            next(&header, request).as_deref(),
            Some(expected),
            "{target}"
        );
    }
}

#[test]
fn anchored_links_about_another_resource_are_skipped() {
    let request = "https://e.com/items?page=1";
    let elsewhere = "<https://e.com/x?page=2>; rel=next; anchor=\"/x\"";
    assert_eq!(next(elsewhere, request), None);
    let here = "<https://e.com/items?page=2>; rel=next; anchor=\"?page=1\"";
    assert_eq!(
        next(here, request).as_deref(),
        Some("https://e.com/items?page=2")
    );
}

#[test]
fn malformed_headers_give_none() {
    let request = "https://e.com/";
    for header in [
        "https://e.com/2; rel=next",
        "<https://e.com/2; rel=next",
        "<https://e.com/2>; rel=\"next",
        "<https://e.com/2>; rel=\"next\" junk",
        "<https://e.com/2> rel=next",
        "<https://e.com/2>; =next",
        "<https://e.com/2>; rel=",
        "<https://e.com/2>; rel=\"next\\",
        "<https://e.com/2>; rel=ne\u{0}xt",
        "<https://e.com/ 2>; rel=next",
        "<https://e.com/2>; rel=\"ne\nxt\"",
        // Malformed after a valid next link: the whole header is distrusted.
        "<https://e.com/2>; rel=next, <https://e.com/3",
        "<https://e.com/2>; rel=next, garbage",
        "<>>; rel=next",
    ] {
        assert_eq!(next(header, request), None, "{header:?}");
    }
}

#[test]
fn bad_request_urls_and_unresolvable_targets_give_none() {
    assert_eq!(next("<https://e.com/2>; rel=next", "not a url"), None);
    assert_eq!(next("</2>; rel=next", "relative/path"), None);
    assert_eq!(next("<http://[::1>; rel=next", "https://e.com/"), None);
    assert_eq!(
        next("<https://e.com:99999/>; rel=next", "https://e.com/"),
        None
    );
}

#[test]
fn errors_say_where_and_what() {
    let mut links = link::parse("<a>; rel=next, <b>; rel=\"x");
    assert_eq!(links.next().unwrap().unwrap().target(), "a");
    let err = links.next().unwrap().unwrap_err();
    assert_eq!(err.offset(), 26);
    assert_eq!(
        err.to_string(),
        "malformed Link header at byte 26: expected a closing '\"'"
    );
    assert!(links.next().is_none());
    assert!(links.next().is_none());
}

#[test]
fn non_ascii_in_quoted_values_and_targets() {
    let links: Vec<_> = link::parse("<https://e.com/ä>; title=\"grüße \\ü\"; rel=next")
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(links[0].param("title"), Some("grüße ü"));
    assert_eq!(
        next_url("<https://e.com/ä>; rel=next", "https://e.com/")
            .unwrap()
            .as_str(),
        "https://e.com/%C3%A4"
    );
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}"
}

fn quoted() -> impl Strategy<Value = String> {
    "[ -~\t]{0,12}".prop_map(|s| {
        let escaped: String = s
            .chars()
            .flat_map(|c| match c {
                '"' | '\\' => vec!['\\', c],
                _ => vec![c],
            })
            .collect();
        format!("\"{escaped}\"")
    })
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("\t"), Just("  ")]
}

/// A well-formed link value: a target and parameters, with the target's page number.
fn link_value() -> impl Strategy<Value = (String, bool, u32)> {
    (
        0u32..1000,
        prop::collection::vec((token(), prop_oneof![token(), quoted()], ws(), ws()), 0..4),
        any::<bool>(),
        prop_oneof![
            Just("next"),
            Just("NEXT"),
            Just("prev"),
            Just("last next"),
            Just("first")
        ],
        any::<bool>(),
    )
        .prop_map(|(page, params, quote_rel, rel, rel_first)| {
            let rel_value = if quote_rel || rel.contains(' ') {
                format!("\"{rel}\"")
            } else {
                rel.to_owned()
            };
            let rel_param = format!("; rel={rel_value}");
            let mut s = format!("<https://e.com/api/v3/items?page={page}>");
            if rel_first {
                s.push_str(&rel_param);
            }
            for (name, value, w1, w2) in params {
                // Other parameters must not be `rel` or `anchor`: those carry meaning.
                let name = format!("x-{name}");
                s.push_str(&format!("{w1};{w2}{name}{w1}={w2}{value}"));
            }
            if !rel_first {
                s.push_str(&rel_param);
            }
            let is_next = rel.to_ascii_lowercase().split(' ').any(|r| r == "next");
            (s, is_next, page)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_strings_never_panic(header in any::<String>(), request in any::<String>()) {
        let _ = next_url(&header, &request);
        let _ = next_url(&header, "https://e.com/a/b?c=d");
        for link in link::parse(&header).flatten() {
            let _ = link.rels().count();
            let _ = link.params().count();
        }
    }

    #[test]
    fn near_valid_bytes_never_panic(
        header in r#"[<>;,="\\ \ta-z/:.?=\u{0}\u{7f}é]{0,40}"#,
    ) {
        let _ = next_url(&header, "https://e.com/a/b?c=d");
        // After an error the iterator is over.
        let items: Vec<_> = link::parse(&header).collect();
        if let Some(pos) = items.iter().position(Result::is_err) {
            prop_assert_eq!(pos, items.len() - 1);
        }
    }

    #[test]
    fn well_formed_headers_find_the_first_next_link(
        links in prop::collection::vec(link_value(), 0..5),
        sep in prop_oneof![Just(","), Just(", "), Just(" ,\t"), Just(", , ")],
    ) {
        let header = links.iter().map(|(s, _, _)| s.as_str()).collect::<Vec<_>>().join(sep);
        let expected = links
            .iter()
            .find(|(_, is_next, _)| *is_next)
            .map(|(_, _, page)| format!("https://e.com/api/v3/items?page={page}"));
        prop_assert_eq!(next(&header, "https://e.com/api/v3/items"), expected);
        prop_assert_eq!(link::parse(&header).filter(Result::is_ok).count(), links.len());
    }

    #[test]
    fn truncated_headers_never_panic_nor_invent_links(
        links in prop::collection::vec(link_value(), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let header = links.iter().map(|(s, _, _)| s.as_str()).collect::<Vec<_>>().join(", ");
        let cut = cut.index(header.len() + 1);
        let prefix = &header[..cut];
        if let Some(url) = next(prefix, "https://e.com/api/v3/items") {
            // Whatever a cut header yields must be one of the real targets (or a prefix of
            // one, when the cut falls right after an unquoted `rel=next`).
            prop_assert!(header.contains(url.trim_start_matches("https://e.com")));
        }
    }
}

#[test]
fn next_url_gives_only_http_pages_to_request() {
    for target in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/plain,hi",
        "ftp://e.com/items?page=2",
        "mailto:a@e.com",
    ] {
        let header = format!("<{target}>; rel=next");
        assert_eq!(next_url(&header, "https://e.com/items"), None, "{target}");
        // The reader underneath still gives it, as written, for other uses.
        let link = link::parse(&header).next().unwrap().unwrap();
        assert_eq!(link.target(), target);
    }
    for (target, expected) in [
        ("<#p2>", "https://e.com/items?page=1"),
        ("<?page=2#section>", "https://e.com/items?page=2"),
        ("<http://e.com/items?page=2#x>", "http://e.com/items?page=2"),
    ] {
        let header = format!("{target}; rel=next");
        let next = next_url(&header, "https://e.com/items?page=1#top");
        assert_eq!(next.unwrap().as_str(), expected, "{target}");
    }
}
