//! Finding or building the compiled gazetteer index for a set of sources, and the fuzzy index stored
//! beside it ([`load_fuzzy_index`]).
//!
//! An index is cached under a name derived from the fingerprint of its sources (their bytes, origins and
//! order, the normalizer version and the index format version), so a changed source or normalizer simply
//! has no cached index yet: a stale index is never used. New indexes are written to a temporary file and
//! renamed into place, so a reader never maps a half-written file.

use std::path::{Path, PathBuf};

use entnorm_gazetteer::{
    compile, file_fingerprint, fingerprint_sources, fingerprint_sources_with, Gazetteer,
    GazetteerBuilder, Matcher, Origin, SourceSpec,
};
use entnorm_reconcile::fuzzy::{FuzzyIndex, FUZZY_FORMAT_VERSION};

use crate::error::PipelineError;

/// How the index of a run was obtained, for messages and the manifest.
#[derive(Clone, Debug)]
pub enum IndexOrigin {
    /// A cached index with the sources' fingerprint was found and mapped.
    Cached(PathBuf),
    /// The sources were compiled and the index saved to this cache file.
    Built(PathBuf),
    /// The sources were compiled in memory (no cache directory, or it could not be written: the reason).
    InMemory(Option<String>),
}

/// The default cache directory: `ENTNORM_CACHE_DIR`, else `$XDG_CACHE_HOME/entnorm`, else
/// `$HOME/.cache/entnorm`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ENTNORM_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("entnorm"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("entnorm"))
}

/// The matcher for `specs`, from the cache in `cache_dir` when valid, else compiled (and cached).
pub fn load_matcher(
    specs: &[SourceSpec],
    cache_dir: Option<&Path>,
) -> Result<(Matcher, IndexOrigin), PipelineError> {
    let (matcher, origin, _) = load(specs, cache_dir, false)?;
    Ok((matcher, origin))
}

/// Like [`load_matcher`], but a bad gazetteer row is skipped instead of stopping the load: the skipped
/// rows are returned, each naming its file and line. An index compiled from sources with bad rows is
/// kept in memory, never cached, so that a later strict load of the same sources still reports them.
pub fn load_matcher_lenient(
    specs: &[SourceSpec],
    cache_dir: Option<&Path>,
) -> Result<(Matcher, IndexOrigin, Vec<String>), PipelineError> {
    load(specs, cache_dir, true)
}

fn load(
    specs: &[SourceSpec],
    cache_dir: Option<&Path>,
    lenient: bool,
) -> Result<(Matcher, IndexOrigin, Vec<String>), PipelineError> {
    let fingerprint = match cache_dir {
        Some(dir) => fingerprint_remembered(specs, dir)?,
        None => fingerprint_sources(specs)?,
    };
    let cached = cache_dir.map(|d| d.join(format!("gazetteer-{fingerprint}.idx")));
    if let Some(path) = &cached {
        if path.is_file() {
            // The checksum over the whole file is verified once; later runs trust a file whose stamp
            // is the one it had then.
            let marker = path.with_extension("idx.verified");
            let stamp = file_stamp(path);
            let verified_before = stamp.is_some()
                && std::fs::read_to_string(&marker).ok().as_deref() == stamp.as_deref();
            let opened = if verified_before {
                Matcher::open_verified_before(path)
            } else {
                Matcher::open(path)
            };
            // An unreadable or outdated cache file is rebuilt, not reported: the cache is ours. Only
            // sources without bad rows are ever cached, so a cached index needs no lenient report.
            if let Ok(m) = opened {
                if m.fingerprint() == fingerprint {
                    // The stamp is written when the file is first verified and again once a day of
                    // use, so that its age tells how long ago the index was last used (`prune`).
                    let stale = |marker: &Path| {
                        std::fs::metadata(marker)
                            .and_then(|m| m.modified())
                            .ok()
                            .and_then(|t| t.elapsed().ok())
                            .is_none_or(|age| age > MARKER_REFRESH)
                    };
                    if let Some(stamp) = stamp.filter(|_| !verified_before || stale(&marker)) {
                        // Failing to store it only costs the next run the checksum.
                        let _ = write_atomically(&marker, stamp.as_bytes());
                    }
                    return Ok((m, IndexOrigin::Cached(path.clone()), Vec::new()));
                }
            }
        }
    }
    let (gazetteer, skipped) = if lenient {
        let (g, report) = Gazetteer::load_lenient(specs)?;
        (g, report.bad_rows.iter().map(|e| e.to_string()).collect())
    } else {
        (Gazetteer::load(specs)?, Vec::<String>::new())
    };
    let bytes = compile(&gazetteer);
    let Some(path) = cached.filter(|_| skipped.is_empty()) else {
        return Ok((
            Matcher::from_bytes(bytes).map_err(index_err)?,
            IndexOrigin::InMemory(None),
            skipped,
        ));
    };
    match write_atomically(&path, &bytes) {
        Ok(()) => {
            if let Some(dir) = cache_dir {
                prune(dir, &path);
            }
            Ok((Matcher::open(&path)?, IndexOrigin::Built(path), skipped))
        }
        Err(e) => {
            let reason = format!("cannot write the index cache {}: {e}", path.display());
            Ok((
                Matcher::from_bytes(bytes).map_err(index_err)?,
                IndexOrigin::InMemory(Some(reason)),
                skipped,
            ))
        }
    }
}

/// How old an index's stamp may get before a run that uses the index writes it again.
const MARKER_REFRESH: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// What a cache directory may hold, in megabytes, unless `ENTNORM_CACHE_MAX_MB` says otherwise: each set
/// of sources (every edit of a gazetteer, every new normalizer) gets an index of its own, of a few hundred
/// megabytes with the default gazetteer, and a cache that only grew filled disks.
const DEFAULT_CACHE_MAX_MB: u64 = 2048;

/// After `keep` was built in `dir`: deletes the least recently used compiled indexes, each with the files
/// named after it (its stamp, its fuzzy index), until the indexes and their files take at most the
/// cache's budget (`ENTNORM_CACHE_MAX_MB`, default [`DEFAULT_CACHE_MAX_MB`]); `keep` itself always
/// stays. An index's last use is the later modification time of the index and of its stamp. A process
/// that has a deleted index mapped keeps its map; one about to open it compiles the sources again.
/// Failures are ignored: the cache is only a cache.
fn prune(dir: &Path, keep: &Path) {
    let budget = std::env::var("ENTNORM_CACHE_MAX_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_CACHE_MAX_MB)
        .saturating_mul(1 << 20);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let files: Vec<(PathBuf, std::fs::Metadata)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.path(), e.metadata().ok()?)))
        .collect();
    // The files of the index whose file name is `gazetteer-FINGERPRINT.idx`: every `gazetteer-FINGERPRINT.*`.
    let family = |index: &Path| {
        let prefix = index
            .file_stem()
            .and_then(|s| s.to_str())
            .map(|s| format!("{s}."));
        files.iter().filter(move |(p, _)| {
            let name = p.file_name().and_then(|n| n.to_str());
            matches!((name, &prefix), (Some(n), Some(pre)) if n.starts_with(pre.as_str()))
        })
    };
    let mut indexes: Vec<(std::time::SystemTime, u64, &Path)> = files
        .iter()
        .filter(|(p, _)| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("gazetteer-") && n.ends_with(".idx") && n.matches('.').count() == 1
            })
        })
        .filter_map(|(p, meta)| {
            let mut used = meta.modified().ok()?;
            let mut bytes = 0;
            for (q, m) in family(p) {
                bytes += m.len();
                if q.extension().is_some_and(|e| e == "verified") {
                    used = used.max(m.modified().unwrap_or(used));
                }
            }
            Some((used, bytes, p.as_path()))
        })
        .collect();
    // The one just built first, then the most recently used.
    indexes.sort_by(|a, b| (b.2 == keep).cmp(&(a.2 == keep)).then(b.0.cmp(&a.0)));
    let mut total = 0u64;
    for (k, (_, bytes, index)) in indexes.iter().enumerate() {
        total = total.saturating_add(*bytes);
        if k > 0 && total > budget {
            for (file, _) in family(index) {
                let _ = std::fs::remove_file(file);
            }
        }
    }
}

/// How long after its last modification a file's stamp is trusted: a write within the same clock tick
/// as the stamp would leave it unchanged (git's "racily clean" files), so a file modified more recently
/// than this is always read in full.
const STAMP_SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

/// A file's identity as far as its metadata tells: length, modification time in nanoseconds and, on
/// Unix, device and inode (a file replaced by a rename has another inode). None for a file modified less
/// than [`STAMP_SETTLE`] ago or whose metadata cannot be read: such a file is never trusted unread.
fn file_stamp(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?;
    if modified.elapsed().map_or(true, |age| age < STAMP_SETTLE) {
        return None;
    }
    let nanos = modified
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    #[cfg(unix)]
    let node = {
        use std::os::unix::fs::MetadataExt;
        format!("{}:{}", meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let node = "-";
    Some(format!("{} {nanos} {node}", meta.len()))
}

/// The file in a cache directory that remembers source files' content fingerprints with their stamps.
const SOURCE_FINGERPRINTS: &str = "source-fingerprints.tsv";
/// The most source files remembered (older entries beyond it are forgotten).
const MAX_REMEMBERED_SOURCES: usize = 1024;

/// [`fingerprint_sources`], reading only the source files whose stamp ([`file_stamp`]) differs from the
/// one remembered in `cache_dir` with their fingerprint: hashing the default gazetteer's files, or a
/// large gazetteer of the user's, at every run took longer than the rest of opening its index.
fn fingerprint_remembered(specs: &[SourceSpec], cache_dir: &Path) -> Result<String, PipelineError> {
    let memo_path = cache_dir.join(SOURCE_FINGERPRINTS);
    // (path, stamp, fingerprint) of each file remembered; an unreadable or malformed file is as good as
    // none.
    let mut remembered: Vec<(String, String, String)> = std::fs::read_to_string(&memo_path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let mut f = line.splitn(3, '\t');
            let (fp, stamp, path) = (f.next()?, f.next()?, f.next()?);
            Some((path.to_owned(), stamp.to_owned(), fp.to_owned()))
        })
        .collect();
    let mut seen: Vec<(String, String, String)> = Vec::new();
    let fingerprint = fingerprint_sources_with(specs, |file| {
        let key = std::fs::canonicalize(file)
            .ok()
            .and_then(|p| p.to_str().map(str::to_owned))
            .filter(|p| !p.contains(['\t', '\n', '\r']));
        let stamp = file_stamp(file);
        if let (Some(key), Some(stamp)) = (&key, &stamp) {
            if let Some((_, _, fp)) = remembered.iter().find(|(p, s, _)| p == key && s == stamp) {
                seen.push((key.clone(), stamp.clone(), fp.clone()));
                return Ok(fp.clone());
            }
        }
        let fp = file_fingerprint(file)?;
        if let (Some(key), Some(stamp)) = (key, stamp) {
            seen.push((key, stamp, fp.clone()));
        }
        Ok(fp)
    })?;
    let unchanged = seen.iter().all(|e| remembered.contains(e));
    if !unchanged {
        // This run's files first, then the others remembered, up to the bound.
        remembered.retain(|(p, ..)| !seen.iter().any(|(q, ..)| q == p));
        seen.append(&mut remembered);
        seen.truncate(MAX_REMEMBERED_SOURCES);
        let text: String = seen
            .iter()
            .map(|(path, stamp, fp)| format!("{fp}\t{stamp}\t{path}\n"))
            .collect();
        // Failing to store them only costs the next run the hashing.
        let _ = write_atomically(&memo_path, text.as_bytes());
    }
    Ok(fingerprint)
}

/// The fuzzy index of `matcher` (`entnorm_reconcile::fuzzy`): read from `cache_dir` when a valid one
/// is stored there, else built and stored. It lives beside the cached gazetteer index, named by the same
/// fingerprint and by [`FUZZY_FORMAT_VERSION`], and [`FuzzyIndex::from_bytes`] checks both and a checksum,
/// so it is never stale: changed sources, normalizer or index format give another fingerprint, a changed
/// fuzzy index another version. `cache_dir` None (`--no-cache`, or a lenient load that skipped rows):
/// built in memory. Returns whether it was read from the cache.
pub fn load_fuzzy_index(matcher: &Matcher, cache_dir: Option<&Path>) -> (FuzzyIndex, bool) {
    let path = cache_dir.map(|d| {
        d.join(format!(
            "gazetteer-{}.fuzzy{FUZZY_FORMAT_VERSION}.idx",
            matcher.fingerprint()
        ))
    });
    if let Some(path) = &path {
        // An unreadable, outdated or damaged file is rebuilt, not reported: the cache is ours.
        if let Ok(bytes) = std::fs::read(path) {
            if let Ok(index) = FuzzyIndex::from_bytes(&bytes, matcher) {
                return (index, true);
            }
        }
    }
    let index = FuzzyIndex::build_with_removals(matcher, &user_removals(matcher));
    if let Some(path) = &path {
        // Failing to store it only costs the next run the build.
        let _ = write_atomically(path, &index.to_bytes(matcher));
    }
    (index, false)
}

/// The `kind=remove` rows of the user's gazetteer files among the matcher's sources (files that can no
/// longer be read are passed over: the removals were applied when the index was compiled).
pub fn user_removals(matcher: &Matcher) -> Vec<(String, String)> {
    let mut builder = GazetteerBuilder::new();
    builder.lenient(true);
    for s in matcher.sources() {
        if s.origin == Origin::User {
            let _ = builder.add_file(&s.path, Origin::User);
        }
    }
    builder.removals().to_vec()
}

/// Compiles `specs` into an index file at `out`.
pub fn build_index(specs: &[SourceSpec], out: &Path) -> Result<Matcher, PipelineError> {
    let gazetteer = Gazetteer::load(specs)?;
    let bytes = compile(&gazetteer);
    write_atomically(out, &bytes).map_err(|source| PipelineError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(Matcher::open(out)?)
}

fn index_err(e: entnorm_gazetteer::IndexError) -> PipelineError {
    PipelineError::Io {
        path: PathBuf::from("<in-memory index>"),
        source: std::io::Error::other(e.to_string()),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
