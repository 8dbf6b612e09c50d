//! The hostile corpus: a generator that writes every kind of broken and adversarial input at once (JSON
//! Lines, CSV, .txt, gzip, zstd, a directory with unreadable entries), and a run of `entnorm` over it
//! that must account for every record, crash on nothing, and stay within a memory bound (peak RSS read
//! from `/proc/PID/status` while it runs).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::hostile::assert_accounted;
use crate::util::*;

/// Largest record the run reads (`--max-record-bytes`); the corpus has records just under and over it.
const LIMIT: usize = 4 << 20;

/// What the generator promises about one input file: its record count and how many are rejected
/// (`None` where the count depends on where a damaged stream stops).
#[derive(Debug, Default)]
struct Expect {
    records: Option<u64>,
    rejected: Option<u64>,
    complete: bool,
}

struct Jsonl {
    text: Vec<u8>,
    records: u64,
    rejected: u64,
}

impl Jsonl {
    fn new() -> Self {
        Jsonl {
            text: Vec::new(),
            records: 0,
            rejected: 0,
        }
    }
    fn good(&mut self, id: &str, text: &str) {
        let line = serde_json::json!({"id": id, "text": text}).to_string();
        self.text.extend_from_slice(line.as_bytes());
        self.text.push(b'\n');
        self.records += 1;
    }
    fn raw(&mut self, bytes: &[u8], rejected: bool) {
        self.text.extend_from_slice(bytes);
        self.text.push(b'\n');
        self.records += 1;
        self.rejected += u64::from(rejected);
    }
}

fn repeat(s: &str, bytes: usize) -> String {
    s.repeat(bytes / s.len())
}

/// Writes the corpus into `dir` and returns what each input file must give.
fn generate(dir: &Path) -> BTreeMap<String, Expect> {
    let mut expect = BTreeMap::new();
    let articles: Vec<String> = std::fs::read_to_string(fixture("articles.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut put = |name: &str, bytes: &[u8], e: Expect| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        expect.insert(path.display().to_string(), e);
    };

    // 1. JSON Lines: ordinary articles with every kind of hostile record between them.
    let mut j = Jsonl::new();
    j.text.extend_from_slice("\u{feff}".as_bytes());
    for i in 0..3000 {
        j.good(&format!("a{i}"), &articles[i % articles.len()]);
        match i % 300 {
            1 => j.raw(
                b"{\"id\":\"bad-utf8\",\"text\":\"Syria \xff\xfe\xfd\"}",
                true,
            ),
            2 => j.raw(b"{\"id\":\"raw-nul\",\"text\":\"Syria\x00\"}", true),
            3 => j.good("escaped-nul", "Syria\u{0}Russia\u{0}"),
            4 => j.raw(b"{\"id\":\"crlf\",\"text\":\"Syria\"}\r", false),
            5 => j.raw(
                b"{\"id\":\"dup\",\"text\":\"Syria\",\"text\":\"Russia\"}",
                false,
            ),
            6 => j.raw(b"{\"id\":\"num\",\"text\":12}", true),
            7 => j.raw(b"[1,2,3]", true),
            8 => {
                let mut deep = b"{\"id\":\"deep\",\"text\":\"x\",\"y\":".to_vec();
                deep.extend(std::iter::repeat_n(b'[', 200_000));
                j.raw(&deep, true);
            }
            9 => j.good(
                "zero-width",
                &format!(
                    "Sy\u{200D}ria {}",
                    repeat("\u{200B}\u{200D}\u{2066}", 300_000)
                ),
            ),
            10 => j.good(
                "marks",
                &format!("Syria {}", repeat("e\u{0301}\u{0302}\u{0303}", 1_000_000)),
            ),
            11 => j.good("unassigned", "\u{0378}\u{E0080}\u{10FFFF} Syria \u{FDD0}"),
            12 => j.good("mixed", "Sуria Rusѕia Сергей Lavrov"),
            13 if i < 300 => j.good("giant-word", &format!("Syria {}", "w".repeat(LIMIT - 100))),
            14 if i < 300 => j.good("punct-flood", &repeat("!?", LIMIT - 100)),
            15 if i < 300 => j.good("cjk-flood", &repeat("叙利亚", LIMIT - 100)),
            16 if i < 300 => {
                let over = format!(
                    "{{\"id\":\"over\",\"text\":\"{}\"}}",
                    "o".repeat(LIMIT + 10)
                );
                j.raw(over.as_bytes(), true);
            }
            17 => j.raw(b"{\"id\":\"unterminated", true),
            18 => j.raw(b"   ", false), // blank: not a record
            19 => j.good("names", &repeat("John Kerry Kerry Сергей Лавров ", 200_000)),
            _ => {}
        }
    }
    // The blank lines were counted as records above; they are not.
    let blanks = (0..3000).filter(|i| i % 300 == 18).count() as u64;
    j.records -= blanks;
    put(
        "corpus/news.jsonl",
        &j.text,
        Expect {
            records: Some(j.records),
            rejected: Some(j.rejected),
            complete: true,
        },
    );

    // 2. The same, compressed: a whole gzip, a truncated one, a corrupt zstd, a gzip bomb.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&j.text).unwrap();
    let gz = gz.finish().unwrap();
    put(
        "corpus/whole.jsonl.gz",
        &gz,
        Expect {
            records: Some(j.records),
            rejected: Some(j.rejected),
            complete: true,
        },
    );
    put(
        "corpus/truncated.jsonl.gz",
        &gz[..gz.len() * 2 / 3],
        Expect::default(),
    );
    // With a content checksum, as the zstd command writes by default: damage that decodes to other
    // bytes is then caught at the end of the frame (a stream without one cannot tell).
    let mut enc = zstd::stream::Encoder::new(Vec::new(), 1).unwrap();
    enc.include_checksum(true).unwrap();
    enc.write_all(&j.text).unwrap();
    let mut zst = enc.finish().unwrap();
    put(
        "corpus/truncated.jsonl.zst",
        &zst[..zst.len() / 3],
        Expect::default(),
    );
    let n = zst.len();
    for b in &mut zst[n / 2..n / 2 + 256] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    put("corpus/corrupt.jsonl.zst", &zst, Expect::default());
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(b"{\"id\":\"bomb-first\",\"text\":\"Syria\"}\n")
        .unwrap();
    // One line of 120 MB of spaces: the guard stops it at 64 MiB, before the line ends.
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..120 {
        bomb.write_all(&spaces).unwrap();
    }
    bomb.write_all(b"\n").unwrap();
    put(
        "corpus/bomb.jsonl.gz",
        &bomb.finish().unwrap(),
        Expect {
            records: Some(2),
            rejected: Some(1),
            complete: false,
        },
    );

    // 3. CSV: ragged rows, quoted line breaks, lone CR line ends, an oversize row, invalid UTF-8.
    let mut csv = b"\xef\xbb\xbfid,title,text\r".to_vec();
    let (mut records, mut rejected) = (0u64, 0u64);
    for i in 0..2000 {
        let row = match i % 100 {
            1 => {
                rejected += 1;
                "r-short,only two\r".to_string()
            }
            2 => {
                rejected += 1;
                "r-long,a,b,c,d\r".to_string()
            }
            3 if i < 100 => {
                rejected += 1;
                format!("r-over,t,\"{}\"\r", "x\r\n".repeat(LIMIT / 3 + 10))
            }
            4 => "r-quoted,\"Title, \"\"quoted\"\"\",\"Syria\r\nRussia\"\r".to_string(),
            _ => format!(
                "c{i},Title {i},\"{}\"\r",
                articles[i % articles.len()].replace('"', "\"\"")
            ),
        };
        records += 1;
        csv.extend_from_slice(row.as_bytes());
        if i % 100 == 5 {
            records += 1;
            rejected += 1;
            csv.extend_from_slice(b"r-bad,t,Syria \xc3\x28\r");
        }
    }
    put(
        "corpus/table.csv",
        &csv,
        Expect {
            records: Some(records),
            rejected: Some(rejected),
            complete: true,
        },
    );

    // 4. .txt files and empty files.
    let complete = |records, rejected| Expect {
        records: Some(records),
        rejected: Some(rejected),
        complete: true,
    };
    put(
        "corpus/txt/bom.txt",
        "\u{feff}Syria\r\nRussia\r".as_bytes(),
        complete(1, 0),
    );
    put("corpus/txt/bad.txt", b"Syria \xc0\xaf", complete(1, 1));
    put("corpus/txt/empty.txt", b"", complete(1, 0));
    put(
        "corpus/txt/huge.txt",
        repeat("Syria ", LIMIT + 60).as_bytes(),
        complete(1, 1),
    );
    put("corpus/empty/e.jsonl", b"", complete(0, 0));
    put("corpus/empty/e.csv", b"", complete(0, 0));
    put(
        "corpus/empty/e.jsonl.gz",
        &flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast())
            .finish()
            .unwrap(),
        complete(0, 0),
    );

    // 5. Unreadable entries and a link loop.
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        let d = dir.join("corpus/links");
        std::fs::create_dir_all(&d).unwrap();
        symlink("self.jsonl", d.join("self.jsonl")).unwrap();
        symlink("../nowhere.jsonl", d.join("dangling.jsonl")).unwrap();
        symlink("..", d.join("parent")).unwrap();
        for name in ["self.jsonl", "dangling.jsonl"] {
            expect.insert(
                d.join(name).display().to_string(),
                Expect {
                    records: Some(1),
                    rejected: Some(1),
                    complete: false,
                },
            );
        }
    }
    expect
}

/// Peak resident set size (VmHWM) of a running process, in kB.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(target_os = "linux")]
#[test]
fn the_hostile_corpus_is_fully_accounted_for_in_bounded_memory() {
    let dir = TempDir::new("hostile-corpus");
    let expect = generate(&dir.0);
    let out = dir.path("out");
    let gaz = fixture("gazetteer.tsv");
    let mut child = entnorm()
        .args([
            "run",
            dir.path("corpus").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--no-default-gazetteer",
            "-g",
            gaz.to_str().unwrap(),
            "-q",
            "--threads",
            "2",
            "--max-record-bytes",
            &LIMIT.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Sample the high-water mark until the process exits; the last sample is taken just before.
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = peak_rss_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert_accounted(&out);

    let manifest = read_json(&out.join("run.json"));
    let inputs = manifest["counts"]["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), expect.len(), "{inputs:#?}");
    for input in inputs {
        let path = input["path"].as_str().unwrap();
        let e = &expect[path];
        if let Some(records) = e.records {
            assert_eq!(input["records"], records, "{path}");
        }
        if let Some(rejected) = e.rejected {
            assert_eq!(input["rejected"], rejected, "{path}");
        }
        assert_eq!(input["complete"], e.complete, "{path}: {input}");
        if !e.complete {
            assert!(input["read_error"].is_string(), "{path}");
        }
    }
    let mentions = read_table(&out.join("mentions.csv"));
    assert!(mentions.len() > 10_000, "{}", mentions.len());
    // Mentions slice their text, also in the hostile records (checked on the plain JSON Lines file).
    let mut texts: BTreeMap<String, Vec<char>> = BTreeMap::new();
    for line in std::fs::read(dir.path("corpus/news.jsonl"))
        .unwrap()
        .split(|&b| b == b'\n')
    {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if let (Some(id), Some(text)) = (v["id"].as_str(), v["text"].as_str()) {
            texts.insert(id.to_owned(), text.chars().collect());
        }
    }
    let mut checked = 0;
    for m in &mentions {
        let Some(chars) = texts.get(&m["doc_id"]) else {
            continue;
        };
        if m["field"] != "text" || m["doc_id"] == "dup" {
            continue;
        }
        let (s, e): (usize, usize) = (m["start"].parse().unwrap(), m["end"].parse().unwrap());
        assert_eq!(
            chars[s..e].iter().collect::<String>(),
            m["surface"],
            "{m:?}"
        );
        checked += 1;
    }
    assert!(checked > 10_000, "{checked}");
    let total_mb: u64 = walk_size(&dir.path("corpus")) / 1_000_000;
    eprintln!(
        "hostile corpus: {} input files, {total_mb} MB on disk, {} records ({} processed, {} rejected); peak RSS {} MB",
        inputs.len(),
        manifest["counts"]["records"],
        manifest["counts"]["processed"],
        manifest["counts"]["rejected"],
        peak_kb / 1024
    );
    // Generous: two workers each analysing a record of up to 4 MiB of one-character tokens, plus the
    // batch in flight. A reader that buffered the 120 MB bomb or the oversize lines would exceed it.
    assert!(peak_kb > 0, "no memory sample");
    assert!(peak_kb < 1_500_000, "peak RSS {} MB", peak_kb / 1024);
}

fn walk_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = match std::fs::symlink_metadata(entry.path()) {
            Ok(m) => m,
            Err(_) => continue,
        };
        if meta.is_dir() {
            total += walk_size(&entry.path());
        } else if meta.is_file() {
            total += meta.len();
        }
    }
    total
}
