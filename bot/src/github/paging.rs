//! GitHub's pagination and query values: the `rel="next"` link of a list, made
//! relative to the API so octocrab sends it with the token (it adds the token only
//! to requests without a host of their own, or for api.github.com), and values
//! percent-encoded for a query.

use reqwest::header::HeaderMap;

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

/// `link` as a path below `api`, or `None` when it points anywhere else: a link to
/// another host is never followed.
pub(crate) fn relative_to(api: &str, link: &str) -> Option<String> {
    let rest = link.strip_prefix(api)?;
    rest.starts_with('/').then(|| rest.to_string())
}

/// `text` percent-encoded for a query value (RFC 3986 unreserved characters kept).
pub(crate) fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            percent_encode("acme:hallmark/silver/orders"),
            "acme%3Ahallmark%2Fsilver%2Forders"
        );
        assert_eq!(percent_encode("a b&c"), "a%20b%26c");
    }

    #[test]
    fn link_headers_give_the_next_page_on_the_api_only() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                "<https://ghe.example/api/v3/x?page=2>; rel=\"next\", <https://ghe.example/api/v3/x?page=5>; rel=\"last\"",
            ),
        );
        let next = next_link(&h).unwrap();
        assert_eq!(next, "https://ghe.example/api/v3/x?page=2");
        assert_eq!(
            relative_to("https://ghe.example/api/v3", &next).as_deref(),
            Some("/x?page=2")
        );
        assert_eq!(
            relative_to("https://ghe.example/api/v3", "https://evil.example/x?page=2"),
            None
        );
        assert_eq!(
            relative_to("https://ghe.example/api", "https://ghe.example/api-other/x"),
            None
        );
        h.insert(
            "link",
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&h), None);
    }
}
