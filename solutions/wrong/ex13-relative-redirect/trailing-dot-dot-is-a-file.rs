//! Known-wrong solution to ex13-relative-redirect (a realistic beginner bug; see exercises/README.md).
//!
//! bug: a path ending in `..` ends without its `/`
//! catches: a_path_ending_in_dot_or_dot_dot_names_a_folder

/// Removes `.` and `..` segments from an absolute path (one starting with `/`):
/// `/a/b/c/./../../g` is `/a/g`; `/a/b/..` is `/a/`; `/../g` is `/g`.
pub fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i == segments.len() - 1;
        match *segment {
            "." | ".." => {
                if *segment == ".." && out.len() > 1 {
                    out.pop(); // out[0] is the empty segment before the root '/'
                }
                let _ = last;
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// The request target to ask for after a redirect to `reference`, from the page
/// whose request target (path and optional query) is `base`, e.g. `/a/b/c/d;p?q`.
pub fn resolve(base: &str, reference: &str) -> String {
    let reference = reference.split('#').next().unwrap_or("");
    let (base_path, base_query) = split_query(base);
    let (ref_path, ref_query) = split_query(reference);
    if ref_path.is_empty() {
        return with_query(base_path, ref_query.or(base_query));
    }
    let path = if ref_path.starts_with('/') {
        remove_dot_segments(ref_path)
    } else {
        let folder = &base_path[..=base_path.rfind('/').unwrap_or(0)];
        remove_dot_segments(&format!("{folder}{ref_path}"))
    };
    with_query(&path, ref_query)
}

fn split_query(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

fn with_query(path: &str, query: Option<&str>) -> String {
    match query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    }
}
