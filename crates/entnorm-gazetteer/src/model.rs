//! The in-memory gazetteer: entities and their aliases, merged across source files.

use std::path::PathBuf;

/// Where a gazetteer file came from. User files outrank the bundled default, so that a researcher's own list
/// decides what a shared alias means in their output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    User,
    Default,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::User => "user",
            Origin::Default => "default",
        }
    }
}

/// How an alias relates to its entity, as declared by the source (`kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AliasKind {
    Canonical,
    Label,
    Alias,
    Abbreviation,
    Transliteration,
    /// An acronym made of the initials of a country's or supranational body's name in one language
    /// (`Združene države Amerike` -> `ZDA`, Slovenian): matched only in text of that language and never
    /// evidence that two entities are the same (see `enrich::add_initials`).
    Initials,
    /// What a place's people or things are called (`Iraqi`, `Mexican`): names the place, scored apart
    /// and never evidence that two entities are the same.
    Demonym,
}

impl AliasKind {
    pub fn parse(s: &str) -> Option<AliasKind> {
        Some(match s {
            "" | "alias" => AliasKind::Alias,
            "canonical" => AliasKind::Canonical,
            "label" => AliasKind::Label,
            "abbreviation" | "abbr" | "acronym" => AliasKind::Abbreviation,
            "transliteration" | "translit" => AliasKind::Transliteration,
            "demonym" => AliasKind::Demonym,
            "initials" => AliasKind::Initials,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            AliasKind::Canonical => "canonical",
            AliasKind::Label => "label",
            AliasKind::Alias => "alias",
            AliasKind::Abbreviation => "abbreviation",
            AliasKind::Transliteration => "transliteration",
            AliasKind::Demonym => "demonym",
            AliasKind::Initials => "initials",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub entity_type: String,
    pub prior: f64,
    /// `key=value` pairs in source order, merged across files without duplicates.
    pub attributes: Vec<(String, String)>,
    /// The highest-ranking origin of any file that mentions this entity.
    pub origin: Origin,
    /// The origin of the `kind=canonical` row that fixed the name; `None` while the first row's name
    /// stands in. A user's canonical row overrides the default gazetteer's.
    pub(crate) canonical_from: Option<Origin>,
}

#[derive(Clone, Debug)]
pub struct Alias {
    pub entity: u32,
    pub text: String,
    /// The language of the first row that gave this spelling (for the `alias_lang` column).
    pub lang: String,
    /// Every language any row gave this spelling in (the same spelling is often the name in many).
    pub langs: Vec<String>,
    /// The strongest kind any row gave it (`AliasKind`'s order: canonical first).
    pub kind: AliasKind,
    /// Index into [`Gazetteer::sources`] of the first row.
    pub source: u32,
    pub origin: Origin,
}

/// One loaded gazetteer file, for the run manifest.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    pub path: PathBuf,
    pub origin: Origin,
    pub rows: u64,
    /// [`crate::stable_hash`] of the file's bytes as stored (compressed or not), in hex.
    pub fingerprint: String,
}

/// One spelling of a name part (a given or family name) and the group of spellings it belongs to, from a
/// name-part table such as the bundled subset of rigour's `person_names.txt`: `sergei` and `сергей` share
/// a group, so do `lavrov` and `lawrow`. A spelling may be in several groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePart {
    /// Lower-case spelling as the table gives it.
    pub form: String,
    pub group: String,
}

/// Entities and aliases from one or more source files, merged by entity ID, and the name-part spellings of
/// any name-part tables among the sources.
#[derive(Clone, Debug, Default)]
pub struct Gazetteer {
    pub entities: Vec<Entity>,
    pub aliases: Vec<Alias>,
    pub sources: Vec<SourceInfo>,
    pub name_parts: Vec<NamePart>,
}

impl Gazetteer {
    pub fn entity(&self, index: u32) -> &Entity {
        &self.entities[index as usize]
    }

    pub fn alias(&self, index: u32) -> &Alias {
        &self.aliases[index as usize]
    }

    /// One fingerprint over every source in load order, so a manifest can tell two runs' gazetteers apart.
    pub fn fingerprint(&self) -> String {
        combined_fingerprint(
            self.sources
                .iter()
                .map(|s| (s.origin, s.fingerprint.as_str())),
        )
    }
}

/// The fingerprint of a set of sources: their origins and content fingerprints in load order, the
/// normalizer version and the index format version. Equal fingerprints mean an index compiled from one set
/// is valid for the other.
pub fn combined_fingerprint<'a>(sources: impl Iterator<Item = (Origin, &'a str)>) -> String {
    let mut text = format!(
        "normalizer={};index={}",
        entnorm_tokenize::NORMALIZER_VERSION,
        crate::INDEX_FORMAT_VERSION
    );
    for (origin, fp) in sources {
        text.push_str(&format!(";{}:{fp}", origin.name()));
    }
    format!("{:016x}", crate::stable_hash(text.as_bytes()))
}

/// The content fingerprint of one source file's bytes.
pub(crate) fn content_fingerprint(bytes: &[u8]) -> String {
    format!("{:016x}", crate::index::bulk_hash(bytes))
}
