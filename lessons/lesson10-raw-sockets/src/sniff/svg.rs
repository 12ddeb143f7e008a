//! A sequence picture of a capture: one vertical line per endpoint, one arrow per
//! packet, top to bottom in time, labelled with its flags and a taste of its data.
//!
//! The SVG is written by hand: it is text, and the lesson's pictures need only
//! lines, arrowheads and labels.

use std::fmt::Write as _;

/// One arrow.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    /// Sender, e.g. `127.0.0.1:50001`.
    pub from: String,
    /// Receiver.
    pub to: String,
    /// What to write on it: `SYN`, `PSH, ACK 9 bytes "Welcome!\n"`.
    pub label: String,
    /// Time since the first packet, in seconds.
    pub at: f64,
}

/// Escapes text for XML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal distance between endpoints.
const COLUMN: usize = 400;
/// Vertical distance between arrows.
const ROW: usize = 34;
/// Room on the left for the times.
const LEFT: usize = 110;
/// Room above the first arrow for the endpoints' names.
const TOP: usize = 60;

// ANCHOR: draw
/// The picture of `arrows`, as an SVG document.
pub fn draw(title: &str, arrows: &[Arrow]) -> String {
    // Endpoints in order of appearance: usually the client, then the server.
    let mut ends: Vec<&str> = Vec::new();
    for a in arrows {
        for e in [&a.from, &a.to] {
            if !ends.contains(&e.as_str()) {
                ends.push(e);
            }
        }
    }
    let x = |end: &str| LEFT + 80 + COLUMN * ends.iter().position(|e| *e == end).unwrap_or(0);
    let width = LEFT + 160 + COLUMN * ends.len().saturating_sub(1) + 80;
    let height = TOP + ROW * (arrows.len() + 1);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">"#
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(title));
    svg.push_str(
        r##"<defs><marker id="head" markerWidth="10" markerHeight="8" refX="10" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#1f4e8c"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>
"##,
    );
    for end in &ends {
        let x = x(end);
        let _ = writeln!(
            svg,
            r##"<g class="endpoint"><text x="{x}" y="24" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="34" x2="{x}" y2="{}" stroke="#888" stroke-dasharray="4 3"/></g>"##,
            escape(end),
            height - 10
        );
    }
    for (i, a) in arrows.iter().enumerate() {
        let y = TOP + ROW * i + ROW / 2;
        let (x1, x2) = (x(&a.from), x(&a.to));
        let mid = (x1 + x2) / 2;
        let _ = writeln!(
            svg,
            r##"<g class="packet"><text x="8" y="{}" fill="#666">+{:.6}s</text><line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#1f4e8c" stroke-width="1.5" marker-end="url(#head)"/><text x="{mid}" y="{}" text-anchor="middle">{}</text></g>"##,
            y + 4,
            a.at,
            y - 5,
            escape(&a.label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
// ANCHOR_END: draw

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_group_per_packet_and_escaped_labels() {
        let arrows = vec![
            Arrow {
                from: "a:1".into(),
                to: "b:2".into(),
                label: "SYN".into(),
                at: 0.0,
            },
            Arrow {
                from: "b:2".into(),
                to: "a:1".into(),
                label: r#"9 bytes "<&>""#.into(),
                at: 0.1,
            },
        ];
        let svg = draw("t", &arrows);
        assert_eq!(svg.matches(r#"<g class="packet">"#).count(), 2);
        assert_eq!(svg.matches(r#"<g class="endpoint">"#).count(), 2);
        assert!(svg.contains("9 bytes &quot;&lt;&amp;&gt;&quot;"));
        assert!(!svg.contains("\"<&>\""));
    }
}
