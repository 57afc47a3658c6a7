//! Agents' profile pictures: what an upload must be before it is stored and served.
//!
//! Only PNG, JPEG and WebP, told by their first bytes (never by the name or the declared type
//! alone), at most [`MAX_BYTES`]. SVG is never accepted: it is a document that can run script.
//! The picture is served with the type found here and `X-Content-Type-Options: nosniff`, so a
//! browser never reads it as anything else. Stored under a name made of its content's hash, so
//! it can be cached for good and a new picture is a new address.

use sha2::{Digest, Sha256};

/// Largest picture accepted, in bytes.
pub const MAX_BYTES: usize = 1024 * 1024;

/// A picture format we store and serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
        }
    }

    /// The kind a stored file name's extension stands for.
    pub fn from_extension(ext: &str) -> Option<ImageKind> {
        match ext {
            "png" => Some(ImageKind::Png),
            "jpg" => Some(ImageKind::Jpeg),
            "webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }
}

/// Why an upload is refused (the message is for people).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error("The picture is empty.")]
    Empty,
    #[error("The picture is too large ({0} bytes): the limit is 1 MB.")]
    TooLarge(usize),
    #[error("SVG pictures are not accepted: please upload a PNG, JPEG or WebP image.")]
    Svg,
    #[error("This file is not a PNG, JPEG or WebP image.")]
    NotAnImage,
    #[error("The file is a {found} image but was sent as {declared}.")]
    TypeMismatch {
        found: &'static str,
        declared: String,
    },
}

/// Checks an upload: its bytes must be a PNG, JPEG or WebP image of at most [`MAX_BYTES`],
/// and the declared `Content-Type` (when given) must agree with what the bytes are.
pub fn check(bytes: &[u8], declared: Option<&str>) -> Result<ImageKind, PictureError> {
    if bytes.is_empty() {
        return Err(PictureError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(PictureError::TooLarge(bytes.len()));
    }
    let declared = declared
        .map(|d| {
            d.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|d| !d.is_empty());
    if declared.as_deref() == Some("image/svg+xml") || looks_like_svg(bytes) {
        return Err(PictureError::Svg);
    }
    let kind = sniff(bytes).ok_or(PictureError::NotAnImage)?;
    match declared {
        Some(d) if d != kind.content_type() && !(d == "image/jpg" && kind == ImageKind::Jpeg) => {
            Err(PictureError::TypeMismatch {
                found: kind.extension(),
                declared: d,
            })
        }
        _ => Ok(kind),
    }
}

/// The format the first bytes announce: a PNG signature followed by its `IHDR` chunk, a JPEG
/// start-of-image marker, a RIFF container of type `WEBP`.
pub fn sniff(b: &[u8]) -> Option<ImageKind> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if b.len() >= 16 && b.starts_with(PNG) && &b[12..16] == b"IHDR" {
        Some(ImageKind::Png)
    } else if b.len() >= 4 && b.starts_with(b"\xFF\xD8\xFF") {
        Some(ImageKind::Jpeg)
    } else if b.len() >= 16 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
        Some(ImageKind::Webp)
    } else {
        None
    }
}

/// An SVG or other XML document (after an optional byte-order mark and white space).
fn looks_like_svg(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let head: Vec<u8> = b[start..]
        .iter()
        .take(256)
        .map(u8::to_ascii_lowercase)
        .collect();
    head.starts_with(b"<?xml") || head.starts_with(b"<svg") || head.starts_with(b"<!doctype svg")
}

/// The stored file name: 16 hex digits of the content's SHA-256 and the format's extension.
pub fn file_name(bytes: &[u8], kind: ImageKind) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{hex}.{}", kind.extension())
}

/// Whether `name` is a file name [`file_name`] could have made (for the serving route).
pub fn valid_file_name(name: &str) -> Option<ImageKind> {
    let (hash, ext) = name.split_once('.')?;
    let hex = hash.len() == 16 && hash.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    if hex {
        ImageKind::from_extension(ext)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend_from_slice(&[0; 32]);
        b
    }

    #[test]
    fn accepts_the_three_formats_by_their_bytes() {
        assert_eq!(check(&png(), Some("image/png")), Ok(ImageKind::Png));
        assert_eq!(
            check(b"\xFF\xD8\xFF\xE0rest", Some("image/jpeg")),
            Ok(ImageKind::Jpeg)
        );
        assert_eq!(
            check(b"\xFF\xD8\xFF\xE0rest", Some("image/jpg")),
            Ok(ImageKind::Jpeg)
        );
        assert_eq!(check(b"RIFF\0\0\0\0WEBPVP8 ", None), Ok(ImageKind::Webp));
    }

    #[test]
    fn refuses_svg_html_under_an_image_type_and_mismatches() {
        let svg = b"  <?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(check(svg, Some("image/png")), Err(PictureError::Svg));
        assert_eq!(
            check(b"<svg onload=alert(1)>", None),
            Err(PictureError::Svg)
        );
        assert_eq!(check(&png(), Some("image/svg+xml")), Err(PictureError::Svg));
        let html = b"<!doctype html><script>alert(1)</script>";
        assert_eq!(
            check(html, Some("image/png")),
            Err(PictureError::NotAnImage)
        );
        // A PNG signature without its header chunk is not a PNG.
        let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
        fake.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(
            check(&fake, Some("image/png")),
            Err(PictureError::NotAnImage)
        );
        assert!(matches!(
            check(&png(), Some("image/jpeg")),
            Err(PictureError::TypeMismatch { found: "png", .. })
        ));
        assert_eq!(check(b"", None), Err(PictureError::Empty));
        let big = vec![0xFF; MAX_BYTES + 1];
        assert_eq!(
            check(&big, None),
            Err(PictureError::TooLarge(MAX_BYTES + 1))
        );
    }

    #[test]
    fn names_are_content_hashes_the_server_recognises() {
        let name = file_name(&png(), ImageKind::Png);
        assert_eq!(valid_file_name(&name), Some(ImageKind::Png));
        assert_eq!(name, file_name(&png(), ImageKind::Png));
        for bad in [
            "../../x.png",
            "0123456789abcdef.svg",
            "0123456789ABCDEF.png",
            "x.png",
            "0123456789abcdef",
        ] {
            assert_eq!(valid_file_name(bad), None, "{bad}");
        }
    }
}
