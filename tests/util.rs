use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh directory per test, removed when the test passes.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("entnorm-it-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The binary, with the test suite's own index cache under the target directory (never the user's; entries
/// are keyed by the sources' and the format's fingerprint, so reuse across runs is safe, and `cargo clean`
/// removes it — a per-process cache in /tmp left 600 MB behind per run). The first call compiles the
/// default gazetteer into that cache if needed, once, so that tests running in parallel do not each
/// compile it.
pub fn entnorm() -> Command {
    static WARM: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("entnorm-index-cache");
    WARM.get_or_init(|| {
        let out = Command::new(env!("CARGO_BIN_EXE_entnorm"))
            .env("ENTNORM_CACHE_DIR", &cache)
            .args(["lookup", "Syria"])
            .output()
            .expect("spawn entnorm");
        assert_success(&out);
    });
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_entnorm"));
    cmd.env("ENTNORM_CACHE_DIR", cache);
    cmd
}

/// Runs entnorm with arguments, optional stdin, and returns the output; panics with stderr on spawn failure.
pub fn run_entnorm(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = entnorm();
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("spawn entnorm");
    if let Some(input) = stdin {
        use std::io::Write;
        // A run that fails before reading its input closes stdin early; that is not the test's failure.
        if let Err(e) = child.stdin.take().unwrap().write_all(input) {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe,
                "writing stdin: {e}"
            );
        }
    }
    child.wait_with_output().unwrap()
}

pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "entnorm failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CSV table as a list of rows keyed by column name.
pub fn read_table(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Checks that every mention's surface is exactly the code-point slice start..end of its field, using the
/// JSON Lines input the run read.
pub fn assert_offsets_slice_text(input_jsonl: &Path, mentions: &[HashMap<String, String>]) {
    let mut texts: HashMap<(String, String), Vec<char>> = HashMap::new();
    for line in std::fs::read_to_string(input_jsonl).unwrap().lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let id = v
            .get("id")
            .or_else(|| v.get("doc_id"))
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .to_owned();
        for field in ["title", "text"] {
            if let Some(t) = v.get(field).and_then(|x| x.as_str()) {
                texts.insert((id.clone(), field.to_owned()), t.chars().collect());
            }
        }
    }
    assert!(!mentions.is_empty());
    for m in mentions {
        let chars = &texts[&(m["doc_id"].clone(), m["field"].clone())];
        let (s, e): (usize, usize) = (m["start"].parse().unwrap(), m["end"].parse().unwrap());
        let slice: String = chars[s..e].iter().collect();
        assert_eq!(
            slice, m["surface"],
            "doc {} field {} [{s}, {e})",
            m["doc_id"], m["field"]
        );
    }
}

/// The shared research data beside the checkout, if present.
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("ENTNORM_REQUIRE_SHARED").is_some() {
        panic!(
            "{} is absent but ENTNORM_REQUIRE_SHARED is set (as in CI)",
            dir.display()
        );
    } else {
        eprintln!(
            "SKIPPED: {} is absent; this test needs the shared research data",
            dir.display()
        );
        None
    }
}

/// `n` articles of the shared corpus (every 20th, so that the slice mixes the corpus's languages instead of
/// starting with one) as `slice.jsonl` in `dir`; None (after printing SKIPPED) without the shared data.
pub fn corpus_slice(dir: &TempDir, n: usize) -> Option<PathBuf> {
    use std::io::{BufRead, BufReader, Write};
    let data = shared_data()?;
    let file = std::fs::File::open(data.join("corpus/news-multilingual.jsonl.zst")).unwrap();
    let reader = BufReader::new(zstd::stream::read::Decoder::new(file).unwrap());
    let path = dir.path("slice.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for line in reader.lines().step_by(20).take(n) {
        writeln!(out, "{}", line.unwrap()).unwrap();
    }
    out.flush().unwrap();
    Some(path)
}
