//! Properties that must hold for any input, checked by the fuzz targets in `fuzz/` and by the test that
//! replays the kept fuzz inputs (`tests/fuzz-regressions/`). Each function panics with a message when a
//! property fails; anything else (a panic inside entnorm) is a bug the fuzzer reports too.
//!
//! Not part of the stable API.

use std::path::Path;

pub use entnorm_gazetteer::Matcher;
use entnorm_gazetteer::{compile, GazetteerBuilder, GazetteerError, Origin};
use entnorm_tokenize::{fold, transliterate, Analysis, Analyzer, CharOffsets, KeyLayer};

pub use entnorm_reconcile::FuzzyIndex;

use crate::input::Document;
use crate::process::{Linking, MentionRow, Worker};

/// Tokenizer: tokens are non-empty, in order, non-overlapping byte ranges on char boundaries that slice
/// the original text; every key equals the public normalizer applied to the token's text (the per-token
/// fast paths agree with the full pipeline); `fold` and `transliterate` are idempotent; character offsets
/// count code points.
pub fn tokenizer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;
    let mut analysis = Analysis::default();
    let mut analyzer = Analyzer::new();
    analyzer.analyze(text, &mut analysis);
    assert_eq!(
        analysis.text(),
        text,
        "the analysis keeps the text as given"
    );
    let mut offsets = CharOffsets::new(text);
    let mut prev_end = 0;
    for (i, t) in analysis.tokens().iter().enumerate() {
        assert!(
            t.start() < t.end() && t.end() <= text.len(),
            "token {i} {t:?} out of range"
        );
        assert!(t.start() >= prev_end, "token {i} overlaps the one before");
        assert!(
            text.is_char_boundary(t.start()) && text.is_char_boundary(t.end()),
            "token {i} {t:?} not on char boundaries"
        );
        prev_end = t.end();
        let token = &text[t.range()];
        assert_eq!(analysis.key(KeyLayer::Exact, i), token);
        let folded = analysis.key(KeyLayer::Folded, i);
        assert_eq!(folded, fold(token), "folded key of {token:?}");
        assert_eq!(fold(folded), folded, "fold is not idempotent on {token:?}");
        let translit = analysis.key(KeyLayer::Translit, i);
        assert_eq!(
            translit,
            transliterate(token),
            "transliterated key of {token:?}"
        );
        assert_eq!(
            transliterate(translit),
            translit,
            "transliterate is not idempotent on {token:?}"
        );
        assert_eq!(
            offsets.char_offset(t.start()),
            text[..t.start()].chars().count()
        );
    }
    // Analysing again with the same (reused) buffers gives the same result.
    let tokens = analysis.tokens().to_vec();
    analyzer.analyze(text, &mut analysis);
    assert_eq!(analysis.tokens(), &tokens[..]);
}

/// Gazetteer loader: any bytes load or fail with an error that names the file (and, for a row, a line
/// that exists); in lenient mode bad rows are reported with their line and the rest loads; whatever
/// loads compiles into an index that opens and answers lookups of its own aliases.
pub fn gazetteer_loader(data: &[u8]) {
    let path = Path::new("fuzz.tsv");
    let lines = data.split(|&b| b == b'\n').count() as u64;
    let check_error = |e: &GazetteerError| {
        let message = e.to_string();
        assert!(message.starts_with("fuzz.tsv"), "{message}");
        if let GazetteerError::Row { line, .. } | GazetteerError::MissingColumn { line, .. } = e {
            assert!(
                *line >= 1 && *line <= lines,
                "line {line} of {lines}: {message}"
            );
            assert!(
                message.starts_with(&format!("fuzz.tsv:{line}: ")),
                "{message}"
            );
        }
    };
    let mut strict = GazetteerBuilder::new();
    let strict_ok = match strict.add_bytes(path, data, Origin::User) {
        Ok(_) => true,
        Err(e) => {
            check_error(&e);
            false
        }
    };
    let mut lenient = GazetteerBuilder::new();
    lenient.lenient(true);
    match lenient.add_bytes(path, data, Origin::User) {
        Ok(_) => {}
        Err(e) => {
            // Only file-level problems stop a lenient load: no header, or a header that is not UTF-8.
            let file_level = matches!(
                e,
                GazetteerError::Empty { .. } | GazetteerError::MissingColumn { .. }
            ) || matches!(&e, GazetteerError::Row { message, .. }
                if message.starts_with("invalid UTF-8"));
            assert!(file_level, "a lenient load failed on a row: {e}");
            check_error(&e);
            return;
        }
    }
    let (gazetteer, report) = lenient.build_with_report();
    for e in &report.bad_rows {
        check_error(e);
    }
    if strict_ok {
        assert!(report.bad_rows.is_empty(), "strict load accepted a bad row");
    }
    let matcher = Matcher::from_bytes(compile(&gazetteer)).expect("a compiled index opens");
    assert_eq!(matcher.entity_count(), gazetteer.entities.len());
    for alias in gazetteer.aliases.iter().take(50) {
        let _ = matcher.lookup(&alias.text);
    }
}

/// The test gazetteer of the integration tests plus names that overlap, for the pipeline target.
pub fn pipeline_matcher(fixture_tsv: &[u8]) -> Matcher {
    let mut builder = GazetteerBuilder::new();
    builder
        .add_bytes(Path::new("fixture.tsv"), fixture_tsv, Origin::User)
        .expect("the fixture gazetteer loads");
    let extra = "entity_id\tname\ttype\tlang\n\
                 f:kerry-county\tKerry\tLOC\ten\n\
                 f:ww\tw w\tORG\ten\n\
                 f:www\tw w w\tORG\ten\n\
                 f:ivan1\tIvan Petrov\tPER\tru\n\
                 f:ivan2\tIvan Petrov\tPER\tru\n\
                 f:us\tUS\tGPE\ten\n\
                 f:jaafari\tJa'afari\tPER\tar\n";
    builder
        .add_bytes(Path::new("extra.tsv"), extra.as_bytes(), Origin::User)
        .expect("the extra names load");
    Matcher::from_bytes(compile(&builder.build())).expect("the index opens")
}

/// A whole article through the pipeline: the first line of the input is the title, the rest the text
/// (invalid UTF-8 replaced). Every mention row slices its field exactly (`field[start:end] == surface`
/// in code points and in bytes), mentions of a field come in text order without overlapping, and
/// processing is deterministic.
pub fn pipeline(matcher: &Matcher, data: &[u8]) {
    let doc = article(data);
    let mut worker = Worker::new(matcher);
    let rows = worker.process(&doc, None);
    check_rows(&doc, &rows);
    assert_eq!(
        worker.process(&doc, None),
        rows,
        "processing is deterministic"
    );
}

/// The fuzzy index of the pipeline target's gazetteer.
pub fn pipeline_fuzzy_index(matcher: &Matcher) -> FuzzyIndex {
    FuzzyIndex::build(matcher)
}

/// [`pipeline`] with the fuzzy stage on: the same properties for the mention rows, and every unmatched
/// name-like span slices its field at its code-point offset and has a non-empty key. Also checks that
/// the rows without the fuzzy stage are a subset of the rows with it (the stage only adds links).
pub fn pipeline_fuzzy(matcher: &Matcher, index: &FuzzyIndex, data: &[u8]) {
    let doc = article(data);
    let linking = Linking {
        fuzzy: Some(index),
        ..Linking::default()
    };
    let mut worker = Worker::with_linking(matcher, linking);
    let mut unmatched = Vec::new();
    let rows = worker.process_with_unmatched(&doc, None, &mut unmatched);
    check_rows(&doc, &rows);
    for u in &unmatched {
        let field = field_of(&doc, u.field);
        let slice: String = field
            .chars()
            .skip(u.start)
            .take(u.surface.chars().count())
            .collect();
        assert_eq!(slice, u.surface, "{u:?}");
        assert!(!u.key.is_empty(), "{u:?}");
    }
    let plain = Worker::new(matcher).process(&doc, None);
    for r in plain.iter().filter(|r| r.method != "document") {
        assert!(
            rows.iter().any(|f| f.field == r.field
                && f.start_byte == r.start_byte
                && f.end_byte == r.end_byte),
            "the fuzzy stage lost a key link: {r:?}"
        );
    }
}

fn article(data: &[u8]) -> Document {
    let text = String::from_utf8_lossy(data);
    let (title, body) = match text.split_once('\n') {
        Some((t, b)) => (Some(t.to_owned()), b.to_owned()),
        None => (None, text.into_owned()),
    };
    Document {
        id: "fuzz".into(),
        title,
        text: body,
        lang: None,
        date: None,
    }
}

fn field_of<'d>(doc: &'d Document, field: &str) -> &'d str {
    match field {
        "title" => doc.title.as_deref().expect("a title row has a title"),
        "text" => &doc.text,
        other => panic!("unknown field {other}"),
    }
}

fn check_rows(doc: &Document, rows: &[MentionRow]) {
    let mut last: Option<(&str, usize)> = None;
    for r in rows {
        let field = field_of(doc, r.field);
        assert!(
            r.start_byte < r.end_byte && r.end_byte <= field.len(),
            "{r:?}"
        );
        assert_eq!(&field[r.start_byte..r.end_byte], r.surface(doc), "{r:?}");
        let chars: Vec<char> = field.chars().collect();
        assert!(r.start < r.end && r.end <= chars.len(), "{r:?}");
        assert_eq!(
            chars[r.start..r.end].iter().collect::<String>(),
            r.surface(doc),
            "{r:?}"
        );
        if let Some((f, end)) = last {
            if f == r.field {
                assert!(
                    r.start_byte >= end,
                    "overlapping or unordered mentions: {rows:?}"
                );
            }
        }
        last = Some((r.field, r.end_byte));
        assert!(r.candidates >= 1);
        assert!((0.0..=1.0).contains(&r.score));
    }
}
