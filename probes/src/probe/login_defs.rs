//! `/etc/login.defs` read the way shadow reads it (lib/getdef.c `def_load` and
//! `getdef_ulong` in shadow 4.13, Debian 12's), so that a range hostcap proposes is the one
//! `useradd` would pick on this host.
//!
//! shadow's rules: trailing whitespace is cut; a line whose first non-blank character is `#`
//! is a comment; the name ends at the first blank; the value starts after blanks and double
//! quotes and ends at the next double quote (a `#` after the value is part of it). A later
//! line for the same name replaces an earlier one. A number is read like `strtoul(…, 0)`:
//! leading blanks, an optional sign, `0x` hex or leading-`0` octal, and nothing after; a value
//! that is not such a number counts as absent (shadow prints "configuration error" and uses the
//! default).

/// The settings of the file, last one wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginDefs {
    entries: Vec<(String, String)>,
}

impl LoginDefs {
    pub fn parse(text: &str) -> Self {
        let mut entries = Vec::new();
        for line in text.lines() {
            let line = line.trim_end_matches(is_c_space);
            let name_start = line.trim_start_matches([' ', '\t']);
            if name_start.is_empty() || name_start.starts_with('#') {
                continue;
            }
            let Some(end) = name_start.find([' ', '\t']) else {
                continue;
            };
            let (name, rest) = name_start.split_at(end);
            let value = rest.trim_start_matches([' ', '"', '\t']);
            let value = value.split('"').next().unwrap_or("");
            entries.push((name.to_string(), value.to_string()));
        }
        LoginDefs { entries }
    }

    /// The value as written, for the last line that sets `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `getdef_ulong`: the number, or `default` when the name is absent or not a number.
    pub fn number(&self, name: &str, default: u64) -> u64 {
        self.get(name).and_then(strtoul).unwrap_or(default)
    }
}

/// `isspace` in the C locale.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// `strtoul(text, &end, 0)` that must consume all of `text`, as shadow's `getulong` demands;
/// `None` where getulong fails (empty, trailing characters, out of range).
fn strtoul(text: &str) -> Option<u64> {
    let text = text.trim_start_matches(is_c_space);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()))
    {
        (16, hex)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let value = u64::from_str_radix(digits, radix).ok()?;
    // strtoul negates in unsigned arithmetic: "-1" is ULONG_MAX.
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_shadow_reads_them() {
        let defs = LoginDefs::parse(
            "# SUB_UID_MIN 1\n\
             SUB_UID_MIN\t\t  200000  \n\
             SUB_UID_COUNT \"0x10000\"\n\
             SUB_GID_MIN 0400000\n\
             SUB_GID_COUNT 65536 # a comment is part of the value\n\
             SUB_UID_MAX\n\
             \x20  SUB_GID_MAX 700000\n\
             SUB_GID_MAX 800000\n",
        );
        assert_eq!(defs.number("SUB_UID_MIN", 100000), 200000);
        assert_eq!(defs.number("SUB_UID_COUNT", 1), 65536);
        assert_eq!(defs.number("SUB_GID_MIN", 1), 0o400000);
        // Not a whole number: shadow warns and uses the default.
        assert_eq!(defs.number("SUB_GID_COUNT", 65536), 65536);
        assert_eq!(
            defs.get("SUB_GID_COUNT"),
            Some("65536 # a comment is part of the value")
        );
        // A name alone on its line is skipped.
        assert_eq!(defs.get("SUB_UID_MAX"), None);
        // The last line wins.
        assert_eq!(defs.number("SUB_GID_MAX", 1), 800000);
    }

    #[test]
    fn strtoul_takes_signs_and_bases_and_refuses_the_rest() {
        assert_eq!(strtoul("100000"), Some(100000));
        assert_eq!(strtoul("+7"), Some(7));
        assert_eq!(strtoul("-1"), Some(u64::MAX));
        assert_eq!(strtoul("0"), Some(0));
        assert_eq!(strtoul("0x1F"), Some(31));
        assert_eq!(strtoul("010"), Some(8));
        assert_eq!(strtoul("09"), None);
        assert_eq!(strtoul(""), None);
        assert_eq!(strtoul("12ab"), None);
        assert_eq!(strtoul("99999999999999999999"), None);
    }
}
