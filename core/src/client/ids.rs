//! Client ids for `say`: `<prefix>-<n in hex>`.
//!
//! The server stores a `say` once per client id and side, so ids must not repeat within a
//! conversation: the prefix is random per page load (made by the caller: core has no
//! randomness) and `n` counts up. Hex by hand, not `format!`, keeps the widget small.

/// Hands out `prefix-1`, `prefix-2`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIds {
    prefix: String,
    count: u64,
}

impl ClientIds {
    pub fn new(prefix: String) -> ClientIds {
        ClientIds { prefix, count: 0 }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn next_id(&mut self) -> String {
        self.count += 1;
        let mut id = String::with_capacity(self.prefix.len() + 17);
        id.push_str(&self.prefix);
        id.push('-');
        push_hex(&mut id, self.count);
        id
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `n` in lower-case hex, without leading zeros.
pub fn push_hex(s: &mut String, n: u64) {
    let digits = (64 - (n | 1).leading_zeros()).div_ceil(4);
    for i in (0..digits).rev() {
        s.push(char::from(HEX[((n >> (i * 4)) & 15) as usize]));
    }
}

/// Appends `bytes` in lower-case hex, two digits each.
pub fn push_hex_bytes(s: &mut String, bytes: &[u8]) {
    for &b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(n: u64) -> String {
        let mut s = String::new();
        push_hex(&mut s, n);
        s
    }

    #[test]
    fn hex_digits() {
        assert_eq!(hex(0), "0");
        assert_eq!(hex(15), "f");
        assert_eq!(hex(255), "ff");
        assert_eq!(hex(256), "100");
        assert_eq!(hex(u64::MAX), "ffffffffffffffff");
    }

    #[test]
    fn ids_count_up_under_the_prefix() {
        let mut ids = ClientIds::new("n".into());
        assert_eq!(ids.next_id(), "n-1");
        assert_eq!(ids.next_id(), "n-2");
        let mut bytes = String::new();
        push_hex_bytes(&mut bytes, &[0, 15, 16, 255]);
        assert_eq!(bytes, "000f10ff");
        assert_eq!(ids.prefix(), "n");
    }
}
