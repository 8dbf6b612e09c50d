//! The one TSV escaping entnorm uses, for filter-mode rows (`--format tsv`) and partial aggregates: inside
//! a field a backslash is written `\\`, a tab `\t`, a line feed `\n` and a carriage return `\r`; nothing
//! else is escaped. A row is therefore always exactly one line, and splitting it on tabs gives its fields.

use std::borrow::Cow;

/// The field with backslash, tab, LF and CR escaped; borrowed when there is nothing to escape.
pub fn escape(field: &str) -> Cow<'_, str> {
    if !field
        .bytes()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        return Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len() + 8);
    for c in field.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Reverses [`escape`]. A backslash followed by anything but `\`, `t`, `n` or `r` (or by nothing) is an
/// error: it cannot have been written by entnorm.
pub fn unescape(field: &str) -> Result<Cow<'_, str>, String> {
    if !field.contains('\\') {
        return Ok(Cow::Borrowed(field));
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => return Err(format!("invalid escape `\\{other}`")),
            None => return Err("a backslash ends the field".into()),
        }
    }
    Ok(Cow::Owned(out))
}

/// Writes `fields` as one TSV line (escaped, tab-separated, `\n`-terminated) to `out`.
pub(crate) fn write_row<W, I, T>(out: &mut W, fields: I) -> std::io::Result<()>
where
    W: std::io::Write + ?Sized,
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b"\t")?;
        }
        out.write_all(escape(field.as_ref()).as_bytes())?;
    }
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_and_leaves_one_line() {
        for s in [
            "",
            "plain",
            "tab\there",
            "line\nfeed",
            "cr\rlf\r\n",
            "back\\slash",
            "\\t literally",
            "ends with \\",
            "Джон\tКерри",
        ] {
            let e = escape(s);
            assert!(!e.contains(['\t', '\n', '\r']), "{e:?}");
            assert_eq!(unescape(&e).unwrap(), s);
        }
        assert_eq!(escape("a\tb\\c\nd"), "a\\tb\\\\c\\nd");
    }

    #[test]
    fn unescape_rejects_what_escape_never_writes() {
        assert!(unescape("a\\xb").is_err());
        assert!(unescape("trailing\\").is_err());
    }

    #[test]
    fn write_row_separates_fields_with_tabs() {
        let mut out = Vec::new();
        write_row(&mut out, ["mention", "a\tb", ""]).unwrap();
        assert_eq!(out, b"mention\ta\\tb\t\n");
    }
}
