//! Checking what a visitor typed into an info capture form.
//!
//! Messages are shown next to the field in the widget, so they speak to the visitor.

use std::collections::BTreeMap;

use super::model::{FieldKind, FieldSpec};
use crate::protocol::FieldError;

/// Longest email address allowed by RFC 5321 (path limit minus the brackets).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest name, company or job title.
pub const MAX_SHORT_FIELD_CHARS: usize = 100;
/// Longest custom field value.
pub const MAX_CUSTOM_FIELD_CHARS: usize = 500;
/// Fewest and most digits a phone number may have (short local numbers to E.164 plus extension).
pub const PHONE_DIGITS: core::ops::RangeInclusive<usize> = 6..=20;

/// Validates submitted values against a card's fields.
///
/// Returns the values to store: trimmed, only keys the card asks for, empty optional
/// fields left out. Otherwise every problem found, in the card's field order, then unknown keys.
pub fn validate_capture(
    spec: &[FieldSpec],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut clean = BTreeMap::new();
    let mut errors = Vec::new();
    for field in spec {
        // A duplicate key is a dialogue error caught on save; at run time the first one wins.
        if clean.contains_key(&field.key) || errors.iter().any(|e: &FieldError| e.key == field.key)
        {
            continue;
        }
        let value = values.get(&field.key).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if field.required {
                errors.push(error(&field.key, missing_message(field)));
            }
            continue;
        }
        match check_value(field.kind, value) {
            Ok(()) => {
                clean.insert(field.key.clone(), value.to_owned());
            }
            Err(message) => errors.push(error(&field.key, message)),
        }
    }
    for key in values.keys() {
        if !spec.iter().any(|f| &f.key == key) {
            errors.push(error(key, "This field is not part of the form.".to_owned()));
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn error(key: &str, message: String) -> FieldError {
    FieldError {
        key: key.to_owned(),
        message,
    }
}

fn missing_message(field: &FieldSpec) -> String {
    let what = match field.kind {
        FieldKind::FirstName => "your first name",
        FieldKind::LastName => "your last name",
        FieldKind::Email => "your email address",
        FieldKind::JobTitle => "your job title",
        FieldKind::Company => "your company",
        FieldKind::Phone => "your phone number",
        FieldKind::Custom => {
            return if field.label.trim().is_empty() {
                "Please fill in this field.".to_owned()
            } else {
                format!("Please fill in \u{201c}{}\u{201d}.", field.label.trim())
            }
        }
    };
    format!("Please enter {what}.")
}

fn check_value(kind: FieldKind, value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    let max = match kind {
        FieldKind::Email => MAX_EMAIL_CHARS,
        FieldKind::Custom => MAX_CUSTOM_FIELD_CHARS,
        _ => MAX_SHORT_FIELD_CHARS,
    };
    if chars > max {
        return Err(format!("Please keep this under {max} characters."));
    }
    match kind {
        FieldKind::Email if !looks_like_email(value) => {
            Err("This doesn't look like an email address.".to_owned())
        }
        FieldKind::Phone if !looks_like_phone(value) => {
            Err("This doesn't look like a phone number.".to_owned())
        }
        _ => Ok(()),
    }
}

/// Parlor's one email rule: info captures, notification emails, agents' emails, the widget's
/// and the admin's forms all call this, so a client never accepts what the server refuses.
///
/// `local@domain.tld`, at most [`MAX_EMAIL_CHARS`] characters, no whitespace or control
/// characters anywhere (callers trim first), exactly one `@`, a local part of 1–64 bytes, and a
/// domain of at least two dot-separated labels of letters, digits (any script) and inner
/// hyphens, the last one two or more letters or an `xn--` label. So `a@b.co`, `élise@exemple.fr`
/// and `x@bücher.de` pass; `a@b.c`, `a@b`, `a@b.com.`, `a@@b.com` and `a b@c.com` do not.
/// Deliberately loose on the local part: rejecting a real address loses a lead.
pub fn looks_like_email(s: &str) -> bool {
    if s.chars().count() > MAX_EMAIL_CHARS || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels.last().is_some_and(|tld| {
        tld.chars().count() >= 2
            && (tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"))
    });
    labels.iter().all(label_ok) && tld_ok
}

/// Digits with the usual separators (`+ - ( ) .` and spaces), 6 to 20 digits.
pub fn looks_like_phone(s: &str) -> bool {
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.');
    let digits = s.chars().filter(char::is_ascii_digit).count();
    s.chars().all(allowed) && PHONE_DIGITS.contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "élise@exemple.fr",
            "x@xn--p1ai.xn--p1ai",
        ] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.com",
            "a@b@c.com",
            "a b@c.com",
            "@b.com",
            "a@.com",
            "a@b.c",
            "a@b.c0m",
            "a@-b.com",
            "a@b..com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(!looks_like_email(&long));
    }

    #[test]
    fn phones() {
        for ok in ["+33 1 23 45 67 89", "(555) 123-4567", "123.456", "123456"] {
            assert!(looks_like_phone(ok), "{ok}");
        }
        for bad in [
            "12345",
            "call me",
            "+1 555 CALL",
            "123456789012345678901",
            "12 34 56 x",
        ] {
            assert!(!looks_like_phone(bad), "{bad}");
        }
    }
}
