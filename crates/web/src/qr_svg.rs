//! The QR code as an SVG drawn on the server: crisp at any size, from a phone
//! to the back row of a lecture hall.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of white margin around the code (the standard asks for four).
const QUIET_ZONE: usize = 4;

/// An `<svg>` element showing `text` as a QR code; it fills its container.
pub fn render(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::new();
    for y in 0..width {
        let mut x = 0;
        while x < width {
            if colors[y * width + x] == Color::Dark {
                let start = x;
                while x < width && colors[y * width + x] == Color::Dark {
                    x += 1;
                }
                path.push_str(&format!(
                    "M{} {}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                ));
            } else {
                x += 1;
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" role="img" aria-label="QR code for checking in" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_square_svg_with_a_quiet_zone() {
        let svg = render("https://attend.example.edu/c/1.2.abcdef").unwrap();
        assert!(svg.starts_with("<svg"));
        let code = QrCode::with_error_correction_level(
            b"https://attend.example.edu/c/1.2.abcdef",
            EcLevel::M,
        )
        .unwrap();
        let size = code.width() + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")));
        // The finder pattern's top row starts inside the quiet zone.
        assert!(svg.contains("M4 4h7v1h-7z"));
    }
}
