//! The QR code as an SVG drawn on the server by `qrcode::render::svg`: crisp
//! at any size, from a phone to the back row of a lecture hall.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// What `qrcode` puts before the `<svg>` element; an inline SVG in HTML has none.
const XML_DECLARATION: &str = r#"<?xml version="1.0" standalone="yes"?>"#;

/// What the pages rely on: `.qr-box .qr` in `app.css` sizes the code, and
/// screen readers get a name for it.
const ATTRIBUTES: &str = r#"class="qr" role="img" aria-label="QR code for checking in""#;

/// An `<svg>` element showing `text` as a QR code, black on white with the
/// standard four modules of quiet zone, one unit per module. It has a
/// `viewBox` and no fixed size, so it fills its container.
pub fn render(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let size = code.width() + 8;
    let svg = code
        .render::<svg::Color>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    let svg = svg.strip_prefix(XML_DECLARATION).unwrap_or(&svg);
    let svg = svg.replacen(&format!(r#" width="{size}" height="{size}""#), "", 1);
    Some(svg.replacen("<svg ", &format!("<svg {ATTRIBUTES} "), 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::Color;

    const URL: &str = "https://attend.example.edu/c/1.2.abcdef";

    /// The top-left corners of the dark squares the SVG's path draws.
    fn dark_modules(svg: &str) -> Vec<(usize, usize)> {
        let d = svg
            .split(r#" d=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a path");
        d.split('M')
            .filter(|m| !m.is_empty())
            .map(|m| {
                let (x, rest) = m.split_once(' ').expect("x y");
                let y = rest.split('h').next().expect("y");
                assert!(rest.contains("h1v1"), "one module per square: {m}");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect()
    }

    #[test]
    fn draws_a_square_svg_with_a_quiet_zone() {
        let svg = render(URL).unwrap();
        assert!(svg.starts_with(r#"<svg class="qr" role="img" aria-label="QR code for checking in" xmlns="http://www.w3.org/2000/svg""#), "{svg}");
        assert!(svg.ends_with("</svg>"));
        let code = QrCode::with_error_correction_level(URL.as_bytes(), EcLevel::M).unwrap();
        let size = code.width() + 8;
        assert!(svg.contains(&format!(r#"viewBox="0 0 {size} {size}""#)));
        let tag = svg.split('>').next().unwrap();
        assert!(
            !tag.contains(" width=") && !tag.contains(" height="),
            "no fixed size: {tag}"
        );
        assert!(svg.contains(&format!(
            r##"<rect x="0" y="0" width="{size}" height="{size}" fill="#fff"/>"##
        )));
        assert!(
            svg.contains(r##"<path fill="#000" d="M4 4h1v1H4V4"##),
            "the finder pattern starts inside the quiet zone"
        );
        assert!(svg.contains(r#"shape-rendering="crispEdges""#));
    }

    #[test]
    fn the_dark_modules_are_the_codes() {
        let svg = render(URL).unwrap();
        let code = QrCode::with_error_correction_level(URL.as_bytes(), EcLevel::M).unwrap();
        let width = code.width();
        let mut expected: Vec<(usize, usize)> = code
            .to_colors()
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == Color::Dark)
            .map(|(i, _)| (i % width + 4, i / width + 4))
            .collect();
        let mut drawn = dark_modules(&svg);
        expected.sort_unstable();
        drawn.sort_unstable();
        assert_eq!(drawn, expected);
    }

    #[test]
    fn text_too_long_for_a_qr_code_has_none() {
        assert_eq!(render(&"x".repeat(4000)), None);
    }
}
