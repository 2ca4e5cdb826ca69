//! Any bytes, split into a header value and a request URL: the reader must never panic,
//! an error must end the iteration, and a `next` target must be an absolute URL.
#![no_main]

use asyncgen::link;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (header, request) = text.split_once('\n').unwrap_or((&text, "https://e.com/a/b?c=d"));
    if let Some(next) = link::next_url(header, request) {
        assert!(url::Url::parse(next.as_str()).is_ok());
    }
    let mut links = link::parse(header);
    while let Some(item) = links.next() {
        match item {
            Ok(link) => {
                let _ = link.rels().count();
                let _ = link.params().count();
            }
            Err(_) => {
                assert!(links.next().is_none());
                break;
            }
        }
    }
});
