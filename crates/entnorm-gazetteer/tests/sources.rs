//! Loading gazetteer sources: the simple four-column form, the full form, merging, and errors that name the
//! file and line.

use std::io::Write;
use std::path::{Path, PathBuf};

use entnorm_gazetteer::{
    AliasKind, Gazetteer, GazetteerBuilder, GazetteerError, Origin, SourceSpec,
};

fn load(text: &str) -> Result<Gazetteer, GazetteerError> {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("fixture.tsv"), text.as_bytes(), Origin::User)?;
    Ok(b.build())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entnorm-gaz-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn simple_form_with_extra_columns_and_crlf() {
    let g = load("entity_id\tname\ttype\tlang\tnote\r\nx:1\tМосква\tGPE\tru\tcapital\r\nx:1\tMoscow\tGPE\ten\t\r\n")
        .unwrap();
    assert_eq!(g.entities.len(), 1);
    assert_eq!(
        g.entities[0].name, "Москва",
        "without a canonical row the first name stands"
    );
    let texts: Vec<&str> = g.aliases.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(texts, ["Москва", "Moscow"]);
    assert!(g.aliases.iter().all(|a| a.kind == AliasKind::Alias));
}

#[test]
fn full_form_reads_kind_prior_and_attributes() {
    let g = load(
        "entity_id\ttype\tname\tlang\tkind\tprior\tattributes\n\
         x:2\tGPE\tSyrian Arab Republic\ten\tlabel\t5\tiso2=SY\n\
         x:2\tGPE\tSyria\ten\tcanonical\t7\tiso3=SYR\n",
    )
    .unwrap();
    let e = &g.entities[0];
    assert_eq!(e.name, "Syria");
    assert_eq!(e.prior, 7.0);
    assert_eq!(
        e.attributes,
        vec![("iso2".into(), "SY".into()), ("iso3".into(), "SYR".into())]
    );
}

#[test]
fn errors_name_the_file_and_line() {
    let cases = [
        (
            "entity_id\tname\ttype\n",
            "fixture.tsv:1: header lacks required column `lang`",
        ),
        (
            "entity_id\tname\ttype\tlang\nx:1\tRome\tGPE\n",
            "fixture.tsv:2: expected at least 4",
        ),
        (
            "entity_id\tname\ttype\tlang\n\nx:1\t\tGPE\ten\n",
            "fixture.tsv:3: empty name for entity x:1",
        ),
        (
            "entity_id\tname\ttype\tlang\tprior\nx:1\tRome\tGPE\ten\t-3\n",
            "fixture.tsv:2: prior `-3`",
        ),
        (
            "entity_id\tname\ttype\tlang\tkind\nx:1\tRome\tGPE\ten\tnickname\n",
            "fixture.tsv:2: unknown kind",
        ),
        ("", "fixture.tsv: gazetteer has no header row"),
    ];
    for (text, want) in cases {
        let err = load(text).unwrap_err().to_string();
        assert!(
            err.starts_with(want),
            "{text:?}: got {err:?}, want prefix {want:?}"
        );
    }
    let mut bad_utf8 = b"entity_id\tname\ttype\tlang\nx:1\tRo".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    let err = GazetteerBuilder::new()
        .add_bytes(Path::new("bin.tsv"), &bad_utf8, Origin::User)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bin.tsv:2: invalid UTF-8"), "{err}");
}

#[test]
fn gzip_files_and_directories_load_and_merge_by_id() {
    let dir = temp_dir("gz");
    std::fs::write(
        dir.join("a.tsv"),
        "entity_id\tname\ttype\tlang\nx:9\tWarszawa\tGPE\tpl\n",
    )
    .unwrap();
    let gz = std::fs::File::create(dir.join("b.tsv.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::default());
    enc.write_all(
        "entity_id\tname\ttype\tlang\nx:9\tВаршава\tGPE\tru\nx:10\tKraków\tGPE\tpl\n".as_bytes(),
    )
    .unwrap();
    enc.finish().unwrap();
    std::fs::write(dir.join("ignored.txt"), "not a gazetteer").unwrap();
    let g = Gazetteer::load(&[SourceSpec::user(&dir)]).unwrap();
    assert_eq!(g.sources.len(), 2);
    assert_eq!(g.entities.len(), 2);
    let warsaw: Vec<&str> = g
        .aliases
        .iter()
        .filter(|a| g.entity(a.entity).id == "x:9")
        .map(|a| a.text.as_str())
        .collect();
    assert_eq!(warsaw, ["Warszawa", "Варшава"]);
    let missing = Gazetteer::load(&[SourceSpec::user(dir.join("nope.tsv"))])
        .unwrap_err()
        .to_string();
    assert!(missing.contains("nope.tsv"), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}
