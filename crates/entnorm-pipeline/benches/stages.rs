//! Micro-benchmarks of the per-document stages on real news text, one script at a time: tokenizing
//! (segmentation and the three key layers), matching against a compiled gazetteer, and document-level
//! resolution. The texts are the repository's multilingual fixtures (en, de, ru, ar, he, el, hi, th, zh,
//! ja, ko), each repeated to about 16 KB; the gazetteer is the bundled default's countries file plus the
//! fixture gazetteer. Whole-pipeline throughput on the shared corpus is measured by
//! `scripts/bench_throughput.py`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use entnorm_gazetteer::{GazetteerBuilder, MatchScratch, Matcher, Origin};
use entnorm_reconcile::{resolve_document, ResolveScratch};
use entnorm_tokenize::{Analysis, Analyzer};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (language, text of about 16 KB).
fn texts() -> Vec<(String, String)> {
    let articles = std::fs::read_to_string(repo().join("tests/fixtures/articles.jsonl")).unwrap();
    let mut by_lang: Vec<(String, String)> = Vec::new();
    for line in articles.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let lang = v["lang"].as_str().unwrap().to_owned();
        let text = v["text"].as_str().unwrap();
        match by_lang.iter_mut().find(|(l, _)| *l == lang) {
            Some((_, t)) => {
                t.push('\n');
                t.push_str(text);
            }
            None => by_lang.push((lang, text.to_owned())),
        }
    }
    for (lang, file) in [
        ("ar", "syria-excerpt.ar.txt"),
        ("en", "syria-excerpt.en.txt"),
        ("ru", "syria-excerpt.ru.txt"),
    ] {
        let text = std::fs::read_to_string(repo().join("tests/fixtures").join(file)).unwrap();
        let entry = by_lang.iter_mut().find(|(l, _)| l == lang).unwrap();
        entry.1.push('\n');
        entry.1.push_str(&text);
    }
    for (_, text) in &mut by_lang {
        let unit = text.clone();
        while text.len() < 16 * 1024 {
            text.push('\n');
            text.push_str(&unit);
        }
    }
    by_lang
}

fn matcher() -> Matcher {
    let mut builder = GazetteerBuilder::new();
    builder
        .add_file(
            &repo().join("gazetteers/default/countries.tsv.gz"),
            Origin::Default,
        )
        .unwrap()
        .add_file(&repo().join("tests/fixtures/gazetteer.tsv"), Origin::User)
        .unwrap();
    Matcher::new(builder.build())
}

fn stages(c: &mut Criterion) {
    let texts = texts();
    let matcher = matcher();
    let mut analyzer = Analyzer::new();
    let mut analysis = Analysis::default();
    let mut scratch = MatchScratch::default();
    let mut mentions = Vec::new();
    let mut resolve = ResolveScratch::default();
    let mut links = Vec::new();

    let mut group = c.benchmark_group("tokenize");
    for (lang, text) in &texts {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(lang), text, |b, text| {
            b.iter(|| analyzer.analyze(text, &mut analysis))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("match");
    for (lang, text) in &texts {
        analyzer.analyze(text, &mut analysis);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(lang), text, |b, text| {
            b.iter(|| {
                mentions.clear();
                matcher.find(text, &analysis, Some(lang), &mut scratch, &mut mentions);
                mentions.len()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("reconcile");
    for (lang, text) in &texts {
        analyzer.analyze(text, &mut analysis);
        mentions.clear();
        matcher.find(text, &analysis, Some(lang), &mut scratch, &mut mentions);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(lang), text, |b, text| {
            b.iter(|| {
                links.clear();
                resolve_document(
                    text,
                    &analysis,
                    &mentions,
                    &matcher,
                    &mut resolve,
                    &mut links,
                );
                links.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
