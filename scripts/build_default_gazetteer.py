#!/usr/bin/env python3
"""Build entnorm's bundled starter gazetteer (gazetteers/default/).

Usage:
    python3 scripts/build_default_gazetteer.py [--shared ../shared] [--out gazetteers/default]

The shared data directory defaults to $ENTNORM_SHARED, else ../shared relative to the repository
root (i.e. /work/shared). Standard library only; the output is deterministic (sorted rows, gzip with
mtime=0 and no file name), so re-running on the same inputs gives byte-identical files.

Outputs (UTF-8 TSV, gzip level 9, header row, no quoting, LF line ends):
    countries.tsv.gz  countries, territories and supranational bodies (Wikidata QIDs from rigour)
    persons.tsv.gz    persons with Wikidata QIDs from EveryPolitician executives + legislators
    places.tsv.gz     GeoNames cities500 places (geonames:<id>), precision filters in the README
    organizations.tsv.gz  Phoenix/PETRARCH actors (phoenix:<file>#<entry>); country entries go to
                      the country QIDs in countries.tsv.gz
    sanctions.tsv.gz  OFAC SDN + alt (ofac:<ent_num>) and UN Consolidated List (un:<reference>)
    ../crosswalk.tsv  candidate same-entity pairs found by name only (review list; nothing merged)

See gazetteers/README.md for the format and for the rules documented below.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path

COLUMNS = ["entity_id", "name", "type", "lang", "kind", "prior", "attributes"]
QID_RE = re.compile(r"^Q[1-9][0-9]*$")

# kind precedence when the same (entity_id, name, lang) comes from several places
KIND_RANK = {"canonical": 0, "abbreviation": 1, "label": 2, "transliteration": 3, "alias": 4, "demonym": 5}

# ---------------------------------------------------------------------------------------------
# Language tags
# ---------------------------------------------------------------------------------------------

# ISO 639-2 (B and T) three-letter codes -> ISO 639-1, for the languages that have a two-letter
# code. Only applied to three-letter tags; CLDR/gettext tags already use 639-1 where one exists.
ISO639_3_TO_1 = {
    "afr": "af", "amh": "am", "ara": "ar", "aze": "az", "bel": "be", "ben": "bn", "bos": "bs",
    "bre": "br", "bul": "bg", "cat": "ca", "ces": "cs", "cze": "cs", "cym": "cy", "wel": "cy",
    "dan": "da", "deu": "de", "ger": "de", "ell": "el", "gre": "el", "eng": "en", "epo": "eo",
    "est": "et", "eus": "eu", "baq": "eu", "fas": "fa", "per": "fa", "fin": "fi", "fra": "fr",
    "fre": "fr", "gle": "ga", "glg": "gl", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu",
    "hye": "hy", "arm": "hy", "ind": "id", "isl": "is", "ice": "is", "ita": "it", "jpn": "ja",
    "kat": "ka", "geo": "ka", "kaz": "kk", "khm": "km", "kor": "ko", "kur": "ku", "kir": "ky",
    "lat": "la", "lit": "lt", "lav": "lv", "mkd": "mk", "mac": "mk", "mal": "ml", "mon": "mn",
    "mar": "mr", "msa": "ms", "may": "ms", "mlt": "mt", "mya": "my", "bur": "my", "nep": "ne",
    "nld": "nl", "dut": "nl", "nob": "nb", "nno": "nn", "nor": "no", "pan": "pa", "pol": "pl",
    "por": "pt", "pus": "ps", "ron": "ro", "rum": "ro", "rus": "ru", "sin": "si", "slk": "sk",
    "slo": "sk", "slv": "sl", "som": "so", "spa": "es", "sqi": "sq", "alb": "sq", "srp": "sr",
    "swa": "sw", "swe": "sv", "tam": "ta", "tel": "te", "tgk": "tg", "tha": "th", "tuk": "tk",
    "tur": "tr", "tat": "tt", "uig": "ug", "ukr": "uk", "urd": "ur", "uzb": "uz", "vie": "vi",
    "zho": "zh", "chi": "zh", "yid": "yi", "yor": "yo", "zul": "zu", "xho": "xh", "hau": "ha",
    "ibo": "ig", "kin": "rw", "mlg": "mg", "sna": "sn", "tir": "ti", "orm": "om", "div": "dv",
    "ltz": "lb", "fao": "fo", "fry": "fy", "gla": "gd", "bak": "ba", "che": "ce", "chv": "cv",
    "oss": "os", "san": "sa", "tgl": "tl", "jav": "jv", "sun": "su", "lao": "lo", "bod": "bo",
    "tib": "bo", "guj": "gu", "kan": "kn", "ori": "or", "asm": "as", "snd": "sd", "kas": "ks",
}
# Wikidata / Wikipedia language codes that are not BCP-47 primary subtags.
WIKIDATA_LANG = {
    "simple": "en", "mo": "ro", "be-tarask": "be", "be-x-old": "be", "cbk-zam": "cbk",
    "map-bms": "jv", "roa-tara": "nap", "roa-rup": "rup", "nds-nl": "nds", "zh-classical": "lzh",
    "zh-min-nan": "nan", "zh-yue": "yue", "bat-smg": "sgs", "fiu-vro": "vro",
}


def norm_lang(tag: str) -> str:
    """One language code per tag: ar_001 -> ar, bn_IN -> bn, sr@latin -> sr, rus -> ru, '' -> und."""
    t = (tag or "").strip().lower()
    if not t:
        return "und"
    if t in WIKIDATA_LANG:
        return WIKIDATA_LANG[t]
    t = t.split("@", 1)[0]
    primary = re.split(r"[-_]", t, 1)[0]
    if len(primary) == 3 and primary in ISO639_3_TO_1:
        primary = ISO639_3_TO_1[primary]
    if primary == "mo":  # deprecated Moldavian
        primary = "ro"
    return primary or "und"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def clean_name(s: str) -> str:
    s = unicodedata.normalize("NFC", s or "")
    s = re.sub(r"\s+", " ", s.replace("\t", " ").replace("\r", " ").replace("\n", " ")).strip()
    return s


def clean_attr(s: str) -> str:
    """Attribute values may not contain the ';' / '=' separators, tabs or newlines."""
    s = clean_name(s).replace(";", ",").replace("=", "-")
    return s


def qid_key(q: str):
    return (int(q[1:]) if QID_RE.match(q) else 1 << 62, q)


class Gazetteer:
    """Collects rows, deduplicates on (entity_id, name, lang), keeps the best kind."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], str] = {}
        self.etype: dict[str, str] = {}
        self.prior: dict[str, float] = {}
        self.attrs: dict[str, str] = {}
        self.canonical: dict[str, tuple[str, str]] = {}

    def add(self, eid: str, name: str, lang: str, kind: str) -> bool:
        name = clean_name(name)
        if not name or QID_RE.match(name):
            return False
        key = (eid, name, lang)
        old = self.rows.get(key)
        if old is None or KIND_RANK[kind] < KIND_RANK[old]:
            self.rows[key] = kind
        return True

    def remove_where(self, predicate) -> int:
        """Drops non-canonical rows whose name satisfies predicate; returns how many."""
        doomed = [k for k, kind in self.rows.items() if kind != "canonical" and predicate(k[1])]
        for k in doomed:
            del self.rows[k]
        return len(doomed)

    def set_canonical(self, eid: str, name: str, lang: str) -> None:
        name = clean_name(name)
        self.canonical[eid] = (name, lang)
        self.add(eid, name, lang, "canonical")

    def finish(self) -> list[list[str]]:
        # exactly one canonical row per entity
        for (eid, name, lang), kind in list(self.rows.items()):
            if kind == "canonical" and self.canonical.get(eid) != (name, lang):
                self.rows[(eid, name, lang)] = "label"
        out = []
        for (eid, name, lang), kind in self.rows.items():
            prior = self.prior.get(eid, 0)
            out.append([
                eid, name, self.etype[eid], lang, kind,
                (str(int(prior)) if float(prior).is_integer() else f"{prior:g}"),
                "",
            ])
        out.sort(key=lambda r: (qid_key(r[0]), r[4] != "canonical", r[3], r[1]))
        # Attributes once per entity, on its first row: the canonical one, or for an entity whose main
        # name is only an alias (a risky one-word name) its first alias, so that its population, country
        # and dates are not lost.
        for i, row in enumerate(out):
            if i == 0 or out[i - 1][0] != row[0]:
                row[6] = self.attrs.get(row[0], "")
        return out


def write_tsv_gz(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    buf.write("\t".join(COLUMNS) + "\n")
    for r in rows:
        for v in r:
            assert "\t" not in v and "\n" not in v and "\r" not in v, r
        buf.write("\t".join(r) + "\n")
    data = buf.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(data)


# ---------------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------------

TRUSTED_COUNTRY_SOURCES = ("cldr", "iso-codes", "i18n-iso-countries")  # language-tagged lists
NOISE_PREFIX_RE = re.compile(r"^i\s+-")  # countrynames noise: "i -Andorra", "i  -Syria"
ABBREV_RE = re.compile(r"^[A-Z](?:[A-Z]|\.){1,5}[0-9]{0,2}$")  # US, USA, U.S.A., UAE, EU27
# Demonym / adjective endings appended to a stem of a name of the same country (see README).
LATIN_DEMONYM_SUFFIXES = ("an", "ian", "ean", "ese", "ish", "ic", "i", "ien", "ienne", "ois",
                          "oise", "ais", "aise", "isch", "ische", "er", "ier")
CYRL_DEMONYM_SUFFIXES = ("ец", "иец", "ець", "ка", "янин", "анин", "янка", "анка", "ский", "ская",
                         "ийский", "ійський", "ський", "ци", "цы", "ин")
EN_ADJ_SUFFIXES = ("an", "ian", "ean", "ese", "ish", "ic", "i")
STEM_STRIP = "aeiouyаеиоуыэюяьйіїє"


def skeleton(name: str) -> str:
    """A rough stand-in for entnorm's transliterated key of Latin-script names: no accents, lower case,
    w->v, j->y, no apostrophes, doubled letters collapsed."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    s = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    s = s.replace("w", "v").replace("j", "y").replace("'", "").replace("’", "")
    return re.sub(r"(.)\1+", r"\1", s)


def is_demonym(cand: str, trusted: set[str], trusted_multi_first: set[str]) -> bool:
    """True if cand (one word) looks like an adjective/demonym of one of the trusted names."""
    c = cand.lower()
    if " " in c or len(c) < 4:
        return False
    if c in trusted_multi_first and c.endswith(EN_ADJ_SUFFIXES):
        return True  # "syrian" <- "Syrian Arab Republic", "european" <- "European Union"
    for t in trusted:
        if " " in t or len(t) < 3:
            continue
        stem = t.rstrip(STEM_STRIP)
        if len(stem) < 3 or not c.startswith(stem) or c == t:
            continue
        rest = c[len(stem):]
        # rest == "": the stem alone (`German` from `Germany`) is the adjective in English
        if rest == "" or rest in LATIN_DEMONYM_SUFFIXES or rest in CYRL_DEMONYM_SUFFIXES:
            return True
    # Arabic nisba: سوريا -> سوري
    for t in trusted:
        if t.endswith(("ا", "ة", "ه")) and len(t) >= 4 and c == t[:-1] and t[:-1].endswith("ي"):
            return True
        if t.endswith(("ا", "ة")) and len(t) >= 4 and c == t[:-1] + "ي":
            return True
    return False


# An English demonym as the country sources list them: one capitalised Latin word with an adjective
# ending (`Iraqi`, `Mexican`, `Palestinian`, `Sudanese`, `Polish`, `Liechtensteiner`).
EN_DEMONYM_RE = re.compile(r"^[A-Z][a-z]+(an|ian|ean|ese|ish|ic|i|er)$")
DEMONYM_ENDINGS = ("n", "an", "ian", "ean", "ese", "ish", "i", "er")


def english_words(g: "Gazetteer") -> dict[str, set]:
    """Per entity, its one-word English names and its canonical name, in lower case (no demonyms)."""
    out: dict[str, set] = collections.defaultdict(set)
    for (eid, name, lang), kind in g.rows.items():
        if kind != "demonym" and (lang == "en" or kind == "canonical") and " " not in name:
            out[eid].add(name.lower())
    return out


def english_demonym_of(word: str, names: set, endings=DEMONYM_ENDINGS, strip_vowels=True) -> bool:
    """`Russian`, `Italian`, `Iraqi`: one of a country's English one-word `names` (without its final
    vowels too, if `strip_vowels`) plus one of `endings`, and not such a name itself (`Burundi`)."""
    low = word.lower()
    if not EN_DEMONYM_RE.match(word) or low in names:
        return False
    return any(low == base + end for t in names
               for base in ({t, t.rstrip("aeiouy")} if strip_vowels else {t}) for end in endings)


def wikidata_demonyms(shared: Path, qids: set) -> dict[str, set[str]]:
    """English demonyms (P1549) of the given items in the Wikidata entity file (CC0): the irregular
    ones the country lists lack (`French`, `British`, `Scottish`, `Danish`, `Thai`)."""
    out: dict[str, set[str]] = {}
    path = shared / "data" / "sources" / "wikidata-entities" / "entities.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip().rstrip(",")
            if not line.startswith("{"):
                continue
            e = json.loads(line)
            if e.get("id") not in qids:
                continue
            for claim in e.get("claims", {}).get("P1549", []):
                v = claim.get("mainsnak", {}).get("datavalue", {}).get("value")
                if isinstance(v, dict) and v.get("language") == "en" and re.fullmatch(r"[A-Z][a-z]+", v["text"]):
                    out.setdefault(e["id"], set()).add(v["text"])
    return out


def add_demonyms(g: "Gazetteer", demonyms: dict, first_words: set, shared: Path, stats) -> None:
    """Demonyms as their own kind of name (`demonym`, language `en`): `Iraqi officials` names Iraq. Kept
    apart from the names so that the matcher scores them as what they are and enrichment never links
    by them; a form two countries share (`Dominican`, `Korean`) is left out."""
    # A first word of a country's multi-word name that is also a person's name part (`Tristan`, from
    # Tristan da Cunha) is not a demonym, unless Wikidata says so.
    person_forms = load_person_name_forms(shared / "data" / "sources")
    attested = wikidata_demonyms(shared, set(g.etype))
    for qid, forms in attested.items():
        if g.etype.get(qid) == "GPE":
            demonyms.setdefault(qid, set()).update(forms)
    owners: dict[str, set[str]] = {}
    for qid, forms in demonyms.items():
        for form in forms:
            if form in first_words and fold(form) in person_forms and form not in attested.get(qid, ()):
                stats["demonyms: left out, a person's name part"] += 1
                continue
            owners.setdefault(form, set()).add(qid)
    for form, qids in sorted(owners.items()):
        if len(qids) > 1:
            stats["demonyms: left out, shared by two countries"] += 1
            continue
        (qid,) = qids
        if g.add(qid, form, "en", "demonym"):
            stats["demonyms: kept (kind demonym, lang en)"] += 1


def weak_names_as_demonyms(g: "Gazetteer", stats) -> None:
    """rigour's weak names of a country (no language, gated as one-word aliases) include its English
    demonym where the country lists lack it (`Iraqi`, `Kenyan`, `Omani`, `Nepali`, `Ghanaian`): a word
    that is an English one-word name of the country plus `-n`, `-an`, `-ian` or `-i` becomes the
    country's demonym (language `en`), unless another country has it."""
    english = english_words(g)
    owners: dict[str, set] = collections.defaultdict(set)
    for (eid, name, _lang), kind in g.rows.items():
        if kind == "demonym":
            owners[name].add(eid)
    found = [(eid, name) for (eid, name, lang), kind in g.rows.items()
             if lang == "und" and kind == "alias"
             and english_demonym_of(name, english[eid], ("n", "an", "ian", "i"), strip_vowels=False)]
    for eid, name in found:
        owners[name].add(eid)
    for eid, name in sorted(found):
        if owners[name] != {eid}:
            stats["weak names as demonyms: left out, another country's"] += 1
            continue
        del g.rows[(eid, name, "und")]
        if (eid, name, "en") not in g.rows:
            g.add(eid, name, "en", "demonym")
            stats["weak names as demonyms: kept (kind demonym, lang en)"] += 1


def build_countries(shared: Path) -> tuple[Gazetteer, dict]:
    src = shared / "data" / "sources"
    territories = {}
    with open(src / "rigour" / "territories.jsonl", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                t = json.loads(line)
                territories[t["code"]] = t

    stats = collections.Counter()
    by_code: dict[str, list[tuple[str, str, str]]] = collections.defaultdict(list)  # (source, lang, name)
    alpha3: dict[str, str] = {}
    with open(src / "country-names" / "country_names.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            stats["csv rows"] += 1
            if r["source"].startswith("world-countries"):
                stats["dropped: world-countries (ODbL)"] += 1
                continue
            code = r["iso_alpha2"]
            if r["iso_alpha3"]:
                alpha3[code] = r["iso_alpha3"]
            by_code[code].append((r["source"], r["lang"], clean_name(r["name"])))

    # Main names of GeoNames populated places: countrynames and rigour's weak lists map cities to their
    # country (`Moscow` under RU, `Geneva` under CH); a city's name must never become its country.
    place_names: set[str] = set()
    big_place_names: set[str] = set()
    with open(src / "geonames-cities500" / "cities500_names_flat.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["name_kind"] == "name":
                place_names.add(r["name"])
                if int(r["population"] or 0) >= PLACE_CANON_POP:
                    big_place_names.add(clean_name(r["name"]))

    g = Gazetteer()
    excluded = []
    demonym_skeletons: set[str] = set()
    demonyms: dict[str, set[str]] = {}  # qid -> English demonyms the sources list as names
    first_words: set[str] = set()  # ... of them, first words of the country's multi-word names
    for code in sorted(by_code):
        t = territories.get(code.lower())
        if t is None:
            raise SystemExit(f"country code {code} has no territory in rigour/territories.jsonl")
        if code == "ZZ":
            # "Global"/"Worldwide" (Q2, the Earth): common words, not a place name; left out.
            excluded.append(code)
            stats[f"dropped: code ZZ ({t['name']}) rows"] += len(by_code[code])
            continue
        qid = t["qid"]
        assert QID_RE.match(qid), (code, qid)
        rows = by_code[code]
        supranational = t.get("region") == "Supranational"
        g.etype[qid] = "ORG" if supranational else "GPE"
        g.prior[qid] = 1_000_000 if (t.get("is_country") or supranational) else 100_000
        a3 = alpha3.get(code) or (t.get("alpha3") or "").upper()
        if re.fullmatch(r"[A-Z]{2}", code):
            attrs = [f"iso2={code}"] + ([f"iso3={a3}"] if a3 else [])
        else:
            attrs = [f"code={code}"] + ([f"iso3={a3}"] if a3 else [])
        g.attrs[qid] = "; ".join(attrs)

        trusted_names = {n for s, _, n in rows if s in TRUSTED_COUNTRY_SOURCES}
        trusted_names |= {clean_name(t["name"]), clean_name(t["full_name"])}
        trusted_lower = {n.lower() for n in trusted_names}
        multi_first = {n.split(" ", 1)[0].lower() for n in trusted_names if " " in n}
        codes_as_names = {code.upper(), a3.upper()} | {c.upper() for c in t.get("other_codes", [])}

        g.set_canonical(qid, t["name"], "und")
        g.add(qid, t["full_name"], "und", "alias")
        if supranational and re.fullmatch(r"[A-Z]{2}", code):
            # the code of a supranational body is its abbreviation (EU, UN)
            g.add(qid, code, "und", "abbreviation")
            stats["supranational code abbreviations"] += 1

        def untrusted(name: str, what: str) -> bool:
            """Filters for names that come only from countrynames / rigour weak lists."""
            if name in trusted_names:  # exact (case-sensitive): "Rus" is a CLDR name, "RUS" is a code
                return True
            if NOISE_PREFIX_RE.match(name):
                stats[f"dropped ({what}): 'i -' prefix noise"] += 1
                return False
            if name.upper() == name and name.upper() in codes_as_names:
                stats[f"dropped ({what}): bare ISO code"] += 1
                return False
            if ", " in name:
                stats[f"dropped ({what}): 'place, country' strings"] += 1
                return False
            letters = re.sub(r"[^A-Z]", "", name)
            if name.isupper() and letters == name.replace(".", "").replace(" ", "") and (
                    len(letters) > 6 or (len(letters) > 3 and sum(ch in "AEIOU" for ch in letters) > 1)):
                # shouted words / truncations (OHIO, NEVADA, BERMU, ITLAY), not acronyms (DPRK, USSR)
                stats[f"dropped ({what}): all-caps words that are not acronyms"] += 1
                return False
            if is_demonym(name, trusted_lower, multi_first):
                stats[f"dropped ({what}): demonym/adjective"] += 1
                demonym_skeletons.add(skeleton(name))
                if not supranational and EN_DEMONYM_RE.match(name):
                    # the first word of the country's own multi-word name (`Tristan` da Cunha) is
                    # a demonym only if it is no person's name
                    if name.lower() in multi_first:
                        first_words.add(name)
                    demonyms.setdefault(qid, set()).add(name)
                return False
            if name in place_names:
                stats[f"dropped ({what}): name of a GeoNames place"] += 1
                return False
            return True

        for source, lang, name in rows:
            if not name:
                continue
            if source == "countrynames":
                if not untrusted(name, "countrynames"):
                    continue
            kind = "abbreviation" if ABBREV_RE.match(name) else (
                "label" if source in TRUSTED_COUNTRY_SOURCES else "alias")
            g.add(qid, name, norm_lang(lang), kind)
        for field in ("names_strong", "names_weak"):
            for name in t.get(field) or []:
                name = clean_name(name)
                if not name or not untrusted(name, "rigour " + field):
                    continue
                g.add(qid, name, "und", "abbreviation" if ABBREV_RE.match(name) else "alias")
    # A label of a minor language can spell like a demonym once transliterated (Ewondo `Rúsian` and
    # English `Russian` meet on entnorm's loosest key). The demonyms found above are the evidence:
    # drop every alias whose skeleton equals one of theirs.
    dropped = g.remove_where(lambda name: skeleton(name) in demonym_skeletons)
    stats["dropped: aliases spelled like a demonym after transliteration"] += dropped
    add_demonyms(g, demonyms, first_words, shared, stats)
    weak_names_as_demonyms(g, stats)
    return g, {"stats": stats, "excluded": excluded, "place_names": place_names,
               "demonym_skeletons": demonym_skeletons, "big_place_names": big_place_names}


# ---------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------

FOREIGN_MINISTER_RE = re.compile(
    r"^(minister|secretary)( of state)?( of| for)? (foreign|external) (affairs|relations)"
    r"|^secretary of state$|^foreign (minister|secretary)$", re.I)
# Honorific / title words that may start a legislator's main name (rigour stopwords
# person_name_prefixes, single words, plus academic titles seen in the data).
EXTRA_HONORIFICS = {"dr", "dra", "drs", "drg", "mag", "mmag", "mmmag", "ing", "ir", "prof", "eng",
                    "rev", "hj", "hon", "rt", "sir", "dame", "lord", "dipl.-ing", "dipl.-kffr",
                    "dott", "dott.ssa", "mr", "mrs", "ms", "h.e"}
WORD_RE = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")  # one plain word, no dots/commas
AMBIGUOUS_PREFIXES = {"the", "president", "queen", "count", "general", "director", "chair",
                      "private", "laird", "madam", "lady", "fr", "sr", "herr", "frau", "hr"}


def read_tsv_noquote(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    header = lines[0].rstrip("\r").split("\t")
    out = []
    for line in lines[1:]:
        line = line.rstrip("\r")
        if not line:
            continue
        vals = line.split("\t")
        vals += [""] * (len(header) - len(vals))
        out.append(dict(zip(header, vals)))
    return out


def build_persons(shared: Path) -> tuple[Gazetteer, dict]:
    src = shared / "data" / "sources"
    ex = src / "everypolitician-executives"
    stats = collections.Counter()

    honorifics = set(EXTRA_HONORIFICS)
    with open(src / "rigour" / "stopwords.json", encoding="utf-8") as f:
        for p in json.load(f)["person_name_prefixes"]:
            p = p.lower().rstrip(".")
            if " " not in p and p not in AMBIGUOUS_PREFIXES:
                honorifics.add(p)

    en_labels: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    bio_name: dict[str, str] = {}
    # every jurisdiction a person held an office or seat in: QIDs (holders) and names (all tables)
    jurisdictions: dict[str, set] = collections.defaultdict(set)
    offices: dict[str, dict] = collections.defaultdict(dict)  # qid -> {(pos, jur, start): (end, ...)}

    # heads of state/government: the positions in world_leaders, and the same labels with
    # " of <country>" removed (holders21 uses short labels such as "Prime Minister").
    hos_labels = set()
    wl = read_tsv_noquote(ex / "world_leaders_2021_union.tsv")
    for r in wl:
        pos = clean_name(r["position"])
        hos_labels.add(pos.lower())
        country = clean_name(r["country"])
        for suffix in (f" of {country}", f" of the {country}"):
            if country and pos.endswith(suffix):
                hos_labels.add(pos[: -len(suffix)].lower())
    hos_labels.discard("")

    for r in read_tsv_noquote(ex / "holders21_all.tsv"):
        q = r["person_qid"].strip()
        if not QID_RE.match(q):
            stats["holders rows without QID"] += 1
            continue
        name = clean_name(r["person"])
        if name and not QID_RE.match(name):
            en_labels[q][name] += 1
        key = (clean_name(r["position"]), clean_name(r["jurisdiction"]), r["start"].strip())
        offices[q].setdefault(key, r["end"].strip())
        jurisdictions[q].add(r["jurisdiction_qid"].strip())
        jurisdictions[q].add(clean_name(r["jurisdiction"]))
    for r in read_tsv_noquote(ex / "persons_bio_all.tsv"):
        q = r["qid"].strip()
        if not QID_RE.match(q):
            continue
        name = clean_name(r["name"])
        if name and not QID_RE.match(name):
            bio_name[q] = name
            en_labels[q][name] += 1
        else:
            en_labels.setdefault(q, collections.Counter())
    for r in wl:
        q = r["person_qid"].strip()
        if not QID_RE.match(q):
            continue
        name = clean_name(r["person"])
        if name and not QID_RE.match(name):
            en_labels[q][name] += 1
        key = (clean_name(r["position"]), clean_name(r["country"]), r["start_year"].strip())
        offices[q].setdefault(key, r["end_year"].strip())
        jurisdictions[q].add(clean_name(r["country"]))

    # legislators
    leg_main: dict[str, list[str]] = collections.defaultdict(list)
    leg_labels: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    leg_where: dict[str, set] = collections.defaultdict(set)
    with open(src / "everypolitician-legislators" / "everypolitician_names_flat.csv",
              encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            q = r["wikidata_qid"].strip()
            if not q:
                continue
            if not QID_RE.match(q):
                stats["legislator rows with malformed QID"] += 1
                continue
            name = clean_name(r["name"])
            if not name or QID_RE.match(name):
                stats["legislator rows: empty or QID-only name"] += 1
                continue
            leg_where[q].add(f"{r['country'].replace('_', ' ')} {r['legislature'].replace('_', ' ')}")
            jurisdictions[q].add(r["country"].replace("_", " "))
            if r["name_kind"] == "other_name:multilingual":
                leg_labels[q].append((norm_lang(r["lang"]), name))
            else:
                leg_main[q].append(name)

    g = Gazetteer()
    all_q = set(en_labels) | set(offices) | set(leg_main) | set(leg_labels)
    for q in sorted(all_q, key=qid_key):
        g.etype[q] = "PER"
        # canonical: executives English label (bio name, else most frequent holder/leader label),
        # else the legislators' en label, else the legislators' main name.
        canon = None
        if q in bio_name:
            canon = (bio_name[q], "en")
        elif en_labels.get(q):
            canon = (sorted(en_labels[q].items(), key=lambda kv: (-kv[1], kv[0]))[0][0], "en")
        else:
            en = sorted(n for l, n in leg_labels.get(q, []) if l == "en")
            if en:
                canon = (en[0], "en")
            elif leg_main.get(q):
                canon = (sorted(leg_main[q])[0], "und")
        if canon is None:
            stats["persons without any usable name"] += 1
            continue
        g.set_canonical(q, *canon)
        for name in en_labels.get(q, {}):
            g.add(q, name, "en", "label")
        for lang, name in leg_labels.get(q, []):
            g.add(q, name, lang, "label")
            # Wikidata labels in some languages (ru, uk, be, ...) are "Surname, Given"; text says
            # "Given Surname", so add that order too when the label is exactly two comma-separated parts.
            parts = [p.strip() for p in name.split(",")]
            if len(parts) == 2 and all(parts) and " " not in parts[0]:
                if g.add(q, f"{parts[1]} {parts[0]}", lang, "alias"):
                    stats["'Surname, Given' labels reordered"] += 1
        known_lower = {canon[0].lower()}
        known_lower |= {n.lower() for n in en_labels.get(q, {})}
        known_lower |= {n.lower() for _, n in leg_labels.get(q, [])}
        for name in leg_main.get(q, []):
            g.add(q, name, "und", "alias")
            toks = name.split(" ")
            # strip leading honorifics (Dr., Prof., Hon., Sir, ...) into an extra alias
            i = 0
            while i < len(toks) - 1 and toks[i].lower().rstrip(".").rstrip(",") in honorifics:
                i += 1
            if 0 < i <= len(toks) - 2:
                stripped = " ".join(toks[i:])
                if g.add(q, stripped, "und", "alias"):
                    stats["honorific-stripped aliases"] += 1
                toks = toks[i:]
            # surname-first upper case ("MOGHERINI Federica") -> "Federica Mogherini"
            j = 0
            while j < len(toks) and len(toks[j]) >= 2 and toks[j].isupper():
                j += 1
            if 0 < j < len(toks) and all(WORD_RE.match(t) for t in toks) and all(
                    not t.isupper() and t[:1].isupper() for t in toks[j:]):
                reordered = " ".join(toks[j:] + [t.title() for t in toks[:j]])
                if reordered.lower() not in known_lower and g.add(q, reordered, "und", "alias"):
                    stats["surname-first reordered aliases"] += 1

        # prior and attributes
        offs = offices.get(q, {})
        distinct_pos = {(p, j) for (p, j, _s) in offs}
        is_hos = any(p.lower() in hos_labels for (p, _j) in distinct_pos)
        is_fm = any(FOREIGN_MINISTER_RE.search(p) for (p, _j) in distinct_pos)
        nlangs = len({l for l, _ in leg_labels.get(q, [])})
        g.prior[q] = (1 + 100 * min(len(distinct_pos), 10) + 2000 * is_hos + 1000 * is_fm
                      + 5 * min(nlangs, 100))

        def rank(item):
            (p, j, s), e = item
            r = 2 if p.lower() in hos_labels else 1 if FOREIGN_MINISTER_RE.search(p) else 0
            return (-r, "" if s else "~", "".join(chr(0x10FFFF - ord(ch)) for ch in s), p, j)

        # one entry per (position, jurisdiction): its earliest start and latest end
        merged: dict[tuple[str, str], list[str]] = {}
        for (p, j, s), e in offs.items():
            m = merged.setdefault((p, j), [s, e, False])
            if s and (not m[0] or s < m[0]):
                m[0] = s
            if not e:
                m[2] = True  # an open term: still in office when queried
            elif e > m[1]:
                m[1] = e
        merged = {k: [v[0], "" if v[2] else v[1]] for k, v in merged.items()}
        items = sorted((((p, j, v[0]), v[1]) for (p, j), v in merged.items()), key=rank)[:3]
        attrs = []
        if items:
            (p, j, s), e = items[0]
            attrs.append(f"office={clean_attr(p)}")
            if j:
                attrs.append(f"jurisdiction={clean_attr(j)}")
            if s:
                attrs.append(f"from={clean_attr(s)}")
            if e:
                attrs.append(f"to={clean_attr(e)}")
            more = []
            for (p2, j2, s2), e2 in items[1:]:
                where = f"{j2}, " if j2 else ""
                more.append(clean_attr(f"{p2} ({where}{s2}–{e2})"))
            if more:
                attrs.append("other_offices=" + " | ".join(more))
        elif leg_where.get(q):
            attrs.append("legislature=" + clean_attr(" | ".join(sorted(leg_where[q])[:2])))
        g.attrs[q] = "; ".join(attrs)
        if is_hos:
            stats["persons: head of state/government"] += 1
        if is_fm:
            stats["persons: foreign minister"] += 1
    stats["persons: with executive QID"] = len(set(en_labels) | set(offices))
    stats["persons: with legislator QID"] = len(set(leg_main) | set(leg_labels))
    stats["persons: in both"] = len((set(en_labels) | set(offices)) & (set(leg_main) | set(leg_labels)))
    return g, {"stats": stats, "jurisdictions": jurisdictions}


# ---------------------------------------------------------------------------------------------
# Shared helpers for the untagged sources (GeoNames, Phoenix, sanctions)
# ---------------------------------------------------------------------------------------------

ARABIC_FOLD = str.maketrans({"ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ـ": None})


def fold(s: str) -> str:
    """Case- and accent-insensitive comparison key (not the matcher's key, an approximation)."""
    d = unicodedata.normalize("NFKD", s.casefold())
    d = "".join(ch for ch in d if not unicodedata.combining(ch))
    d = re.sub(r"[\s\-‐‑–—_'’`.,/()]+", " ", d)
    d = d.translate(ARABIC_FOLD)  # taa marbuta / alef / alef maqsura variants (as the matcher folds them)
    return d.strip()


def n_tokens(name: str) -> int:
    return len([t for t in re.split(r"[\s\-‐‑–—_/]+", name) if t])


def n_letters(name: str) -> int:
    return sum(ch.isalpha() for ch in name)


SCRIPT_LANG_RANGES = [  # (first, last, language) for scripts used by essentially one language
    (0x0370, 0x03FF, "el"), (0x1F00, 0x1FFF, "el"), (0x0530, 0x058F, "hy"), (0x0590, 0x05FF, "he"),
    (0x0900, 0x097F, "hi"), (0x0980, 0x09FF, "bn"), (0x0A00, 0x0A7F, "pa"), (0x0A80, 0x0AFF, "gu"),
    (0x0B00, 0x0B7F, "or"), (0x0B80, 0x0BFF, "ta"), (0x0C00, 0x0C7F, "te"), (0x0C80, 0x0CFF, "kn"),
    (0x0D00, 0x0D7F, "ml"), (0x0D80, 0x0DFF, "si"), (0x0E00, 0x0E7F, "th"), (0x0E80, 0x0EFF, "lo"),
    (0x0F00, 0x0FFF, "bo"), (0x1000, 0x109F, "my"), (0x10A0, 0x10FF, "ka"), (0x1200, 0x139F, "am"),
    (0x1780, 0x17FF, "km"), (0x1100, 0x11FF, "ko"), (0x3130, 0x318F, "ko"), (0xAC00, 0xD7AF, "ko"),
]


def script_lang(name: str, country: str = "") -> str:
    """Language guessed from the script of an untagged name; 'und' for Latin and unknown scripts.
    Arabic script: ur / fa when letters specific to them occur, else ar. Cyrillic: by letters
    specific to uk, be, sr, mk, kk, bg, else ru. Han: ja with kana or for places in JP, else zh."""
    cps = [ord(ch) for ch in name if ch.isalpha()]
    if not cps:
        return "und"
    if any(0x3040 <= c <= 0x30FF for c in cps):
        return "ja"
    if any(0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF for c in cps):
        return "ja" if country == "JP" else "zh"
    c0 = cps[0]
    if 0x0600 <= c0 <= 0x06FF or 0x0750 <= c0 <= 0x077F or 0xFB50 <= c0 <= 0xFEFF:
        if any(ch in name for ch in "ٹڈڑںےھ"):
            return "ur"
        if any(ch in name for ch in "پچژگکی"):
            return "fa"
        return "ar"
    if 0x0400 <= c0 <= 0x04FF:
        low = name.lower()
        if any(ch in low for ch in "әғқңөұүһ"):
            return "kk"
        if any(ch in low for ch in "їєґ") or ("і" in low and "ы" not in low):
            return "uk"
        if "ў" in low:
            return "be"
        if any(ch in low for ch in "ђћџљњј"):
            return "sr"
        if any(ch in low for ch in "ѓќѕ"):
            return "mk"
        if "ъ" in low and not any(ch in low for ch in "ыэё"):
            return "bg"
        return "ru"
    for lo, hi, lang in SCRIPT_LANG_RANGES:
        if lo <= c0 <= hi:
            return lang
    return "und"


def is_unspaced(name: str) -> bool:
    """Written without spaces between words: Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan."""
    return any(0x3040 <= ord(c) <= 0x30FF or 0x3400 <= ord(c) <= 0x9FFF or 0x0E00 <= ord(c) <= 0x0FFF
               or 0x1000 <= ord(c) <= 0x109F or 0x1780 <= ord(c) <= 0x17FF for c in name)


def is_hiragana(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and all(0x3040 <= ord(c) <= 0x309F for c in letters)


def load_territories(src: Path) -> dict:
    out = {}
    with open(src / "rigour" / "territories.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                t = json.loads(line)
                out[t["code"]] = t
    return out


def load_stopwords(src: Path) -> tuple[set, set]:
    """(all rigour stopword phrases folded, generic person names folded)"""
    with open(src / "rigour" / "stopwords.json", encoding="utf-8") as f:
        sw = json.load(f)
    allw = {fold(w) for v in sw.values() for w in v}
    return allw, {fold(w) for w in sw["generic_person_names"]}


def load_person_name_forms(src: Path) -> set:
    forms = set()
    with open(src / "rigour" / "person_names.txt", encoding="utf-8") as f:
        for line in f:
            for form in line.rstrip("\n").split(" => ", 1)[0].split(", "):
                forms.add(fold(form))
    return forms


# words kept lower case inside converted names (particles, function words)
LOWER_PARTICLES = {"al", "el", "ad", "ar", "as", "at", "ash", "az", "bin", "ibn", "bint", "ul", "ud",
                   "ur", "de", "di", "da", "do", "dos", "das", "du", "del", "della", "der", "den",
                   "van", "von", "la", "le", "les", "los", "las", "y", "e", "et", "und", "of", "the",
                   "and", "for", "in", "on", "at", "to", "by", "a", "an", "wa", "fi", "min", "li"}
# short words that are ordinary words, not acronyms, when converting all-caps phrases
SHORT_WORDS = LOWER_PARTICLES | {"new", "old", "big", "red", "sun", "air", "oil", "gas", "war", "man",
                                 "men", "law", "art", "bay", "sea", "east", "west", "ali", "abu", "abd",
                                 "bey", "ben", "san", "st", "mr", "dr", "mt", "no", "one", "two", "six",
                                 "ten", "top", "inc", "ltd", "co", "gmbh", "sa", "ag", "llc", "plc"}


def convert_caps(name: str, person: bool) -> str:
    """UPPER CASE phrase -> normal spelling. Persons: title case with lower-case particles.
    Others: one-word phrases of up to 5 letters and short (<= 3 letter) words that are not
    ordinary words stay upper case (AFP, UN SECURITY COUNCIL, BBC); the rest is title-cased."""
    if not name.isupper():
        return name  # already mixed case
    words = name.split(" ")
    if not person and len(words) == 1 and n_letters(name) <= 5 and "'" not in name:
        return name
    out = []
    for i, w in enumerate(words):
        parts = re.split(r"([\-'’])", w)
        conv = []
        for p in parts:
            lp = p.lower()
            if p in "-'’" or not p:
                conv.append(p)
            elif lp in LOWER_PARTICLES and (i > 0 or len(words) > 1) and not (i == 0 and lp in {"the", "a", "an", "y", "e", "et", "und", "and", "of"}):
                conv.append(lp)
            elif (not person and len(p) <= 3 and p.isalpha() and lp not in SHORT_WORDS) or "." in p \
                    or re.fullmatch(r"[IVX]{2,}", p) or (not p.isalpha() and not p.isalnum()):
                conv.append(p)
            elif conv and conv[-1] in ("'", "’") and len(p) <= 2:
                conv.append(lp)  # O'NEIL -> O'Neil but DON'T / L'S -> Don't
            else:
                conv.append(p[:1] + p[1:].lower())
        out.append("".join(conv))
    s = " ".join(out)
    if s[:1].islower() and s.split(" ")[0] in {"the"}:
        s = s[:1].upper() + s[1:]
    return s


def levenshtein_le(a: str, b: str, k: int) -> bool:
    if abs(len(a) - len(b)) > k:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > k:
            return False
        prev = cur
    return prev[-1] <= k


def id_sort_key(eid: str):
    m = re.match(r"^([a-z]+):(?:.*?[#.])?([0-9]+)$", eid)
    if QID_RE.match(eid):
        return (0, "", int(eid[1:]), eid)
    if m:
        return (1, eid[: eid.rfind(m.group(2))], int(m.group(2)), eid)
    return (2, eid, 0, eid)


def finish_rows(g: "Gazetteer") -> list[list[str]]:
    rows = g.finish()
    # canonical row first; without one, the display name chosen by the builder (a place's GeoNames
    # main name) comes first, because the loader takes an entity's first row as its display name
    rows.sort(key=lambda r: (id_sort_key(r[0]), r[4] != "canonical", (r[1], r[3]) != g.canonical.get(r[0]),
                             r[3], r[1]))
    return rows


# ---------------------------------------------------------------------------------------------
# Places (GeoNames cities500)
# ---------------------------------------------------------------------------------------------

PLACE_CANON_POP = 50_000        # main name is canonical (never language-gated) from this population
PLACE_RISKY_POP = 500_000       # ... for risky one-word names (<= 3 letters, person-name part, stopword)
PLACE_LANG_POP = 100_000        # alternate names get a script-inferred language from this population
PLACE_FOREIGN_LANG_POP = 1_000_000  # ... when the language is not one of the country's languages
PLACE_PRIOR_DIV = 1_000         # prior = population / 1,000 ...
PLACE_PRIOR_CAP = 4_000         # ... capped: below organisations (5,000+) and countries (1,000,000)


def build_places(shared: Path, country_names_folded: set, territories: dict,
                 person_forms: set, stopwords: set, en_common: set,
                 strong_common: set) -> tuple[Gazetteer, dict]:
    src = shared / "data" / "sources"
    stats = collections.Counter()
    places: dict[str, dict] = {}
    with open(src / "geonames-cities500" / "cities500_names_flat.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            p = places.get(r["geonameid"])
            if p is None:
                p = places[r["geonameid"]] = {
                    "cc": r["countrycode"], "a1": r["admin1code"], "pop": int(r["population"] or 0),
                    "lat": r["latitude"], "lon": r["longitude"], "main": None, "alts": []}
            name = clean_name(r["name"])
            if r["name_kind"] == "name":
                p["main"] = name
            else:
                p["alts"].append(name)
    with open(src / "geonames-cities500" / "countries.json", encoding="utf-8") as f:
        country_langs = {cc: {norm_lang(x) for x in v.get("languages", "").split(",") if x}
                         for cc, v in json.load(f).items()}
    g = Gazetteer()
    for gid in sorted(places, key=int):
        p = places[gid]
        eid = f"geonames:{gid}"
        pop, cc = p["pop"], p["cc"]
        g.etype[eid] = "LOC"
        g.prior[eid] = min(pop // PLACE_PRIOR_DIV, PLACE_PRIOR_CAP)
        t = territories.get(cc.lower())
        attrs = [f"country={cc}"] + ([f"country_qid={t['qid']}"] if t else []) + \
                ([f"admin1={clean_attr(p['a1'])}"] if p["a1"] else []) + \
                [f"population={pop}", f"lat={float(p['lat']):.4f}", f"lon={float(p['lon']):.4f}"]
        g.attrs[eid] = "; ".join(attrs)
        main = p["main"]
        fm = fold(main)

        def risky(name: str, fname: str) -> str:
            if n_tokens(name) != 1:
                return ""
            if n_letters(name) <= 3:
                return "<= 3 letters"
            if fname in person_forms:
                return "person-name part"
            if fname in stopwords:
                return "stopword"
            if fname in en_common:
                return "common word (Phoenix phrases)"
            if name.startswith("ال") and script_lang(name) in ("ar", "fa", "ur"):
                return "Arabic definite article + word"
            return ""

        def small_drop(name: str, fname: str) -> str:
            """One-word names of places below PLACE_CANON_POP that are dropped outright (they would
            match in text of unknown language, where no language gate applies)."""
            if pop >= PLACE_CANON_POP or n_tokens(name) != 1:
                return ""
            why = risky(name, fname)
            if why:
                return why
            if n_tokens(main) > 1 and fname in fold(main).split(" "):
                return "a word of the place's own multi-word name"
            return ""

        why = risky(main, fm)
        dropped_main = small_drop(main, fm)
        if dropped_main:
            stats[f"small places: one-word main name dropped ({dropped_main})"] += 1
            g.canonical[eid] = (main, "und")
        elif pop >= PLACE_CANON_POP and (not why or pop >= PLACE_RISKY_POP):
            g.set_canonical(eid, main, "und")
            stats["main names: canonical"] += 1
        else:
            g.canonical[eid] = (main, "und")
            g.add(eid, main, "und", "alias")
            if pop < PLACE_CANON_POP:
                stats[f"main names: alias (population < {PLACE_CANON_POP:,})"] += 1
            else:
                stats[f"main names: alias ({why}, population < {PLACE_RISKY_POP:,})"] += 1
        seen = {main}
        n_before = len(g.rows)
        for name in p["alts"]:
            if name in seen or not name:
                stats["alternate names: duplicates"] += 1 if name else 0
                continue
            seen.add(name)
            fn = fold(name)
            if any(ch.isdigit() for ch in name):
                stats["alternate names dropped: contain digits (postal/other codes)"] += 1
                continue
            if n_letters(name) <= 2:
                stats["alternate names dropped: 1-2 letters"] += 1
                continue
            if name.isupper() and " " not in name and n_letters(name) <= 5:
                stats["alternate names dropped: all-caps codes (IATA/ICAO, abbreviations)"] += 1
                continue
            if name.lower() != name.upper() and name == name.lower():
                stats["alternate names dropped: all lower case (search romanisations)"] += 1
                continue
            if fn in country_names_folded:
                stats["alternate names dropped: equal to a country name"] += 1
                continue
            if n_tokens(name) == 1 and fn in stopwords:
                stats["alternate names dropped: rigour stopword"] += 1
                continue
            if n_tokens(name) == 1 and n_letters(name) <= 3 and pop < PLACE_RISKY_POP:
                # `Bab` (Al-Bab) is also the first word of every `Bab al-...` gate and quarter; in text of
                # unknown language no gate stops such a name, and its own language is not known.
                stats["alternate names dropped: one word of <= 3 letters (population < 500,000)"] += 1
                continue
            d = small_drop(name, fn)
            if d:
                stats[f"small places: one-word alternate name dropped ({d})"] += 1
                continue
            lang = "und"
            if pop >= PLACE_LANG_POP:
                lang = script_lang(name, cc)
                if lang != "und" and lang not in country_langs.get(cc, ()) and pop < PLACE_FOREIGN_LANG_POP:
                    lang = "und"
                    stats["alternate names: language withheld (not a language of the country, population < 1M)"] += 1
                if lang != "und" and fn in strong_common:
                    lang = "und"
                    stats["alternate names: language withheld (common word, any population)"] += 1
                if lang != "und" and risky(name, fn) and pop < PLACE_RISKY_POP:
                    lang = "und"
                    stats["alternate names: language withheld (risky one-word name)"] += 1
            if is_unspaced(name) and (lang == "und" or is_hiragana(name)):
                # Han, kana, Thai, ... match as character sequences inside words and are never
                # language-gated: kept only when a language could be given (population rules above)
                stats["alternate names dropped: unspaced script (kana/Han/Thai...) of a smaller or foreign place, or hiragana"] += 1
                continue
            if lang != "und":
                stats["alternate names: script-inferred language"] += 1
            g.add(eid, name, lang, "alias")
            stats["alternate names kept"] += 1
        if dropped_main and len(g.rows) == n_before:
            stats["small places left out (no usable name)"] += 1
            del g.etype[eid]
    stats["places"] = len(places)
    return g, {"stats": stats}


# ---------------------------------------------------------------------------------------------
# Phoenix actor dictionaries
# ---------------------------------------------------------------------------------------------

PHOENIX_LANG = {"arabic": "ar", "spanish": "es", "petrarch2": "en"}
# CAMEO country codes that are not the ISO alpha-3 code rigour gives: East Timor, Kosovo
PHOENIX_COUNTRY_CODES = {"TMP": "TLS", "KSV": "XKX"}
ARABIC_HEAD_MIN = 20
ENGLISH_COMMON_MIN = 10
ARABIC_COMMON_MIN = 3   # an Arabic word in >= this many Phoenix phrases is a common word  # an English word in >= this many Phoenix entries is a common word
# The Spanish "unified" dictionary is a translation of the English Phoenix files (the same actors
# under other entry numbers) with noisy expansions (AFP = "Alfa Fetoproteina"); left out.
PHOENIX_SKIP_FILE = "actors_unified_181220"  # an Arabic word in >= this many phrases is a title/institution word


# Office words that, before a name, make a Phoenix phrase a title phrase ("Russian Foreign Minister
# Sergey Lavrov"): together with rigour's person_name_prefixes.
OFFICE_WORDS = {"minister", "secretary", "chancellor", "president", "premier", "spokesman", "spokeswoman",
                "spokesperson", "envoy", "leader", "chief", "senator", "governor", "mayor", "deputy", "vice",
                "king", "queen", "prince", "sheikh", "emir", "general", "commander", "representative",
                "ambassador", "foreign", "defense", "defence", "interior", "finance", "opposition", "former"}


def drop_title_phrases(g: "Gazetteer", shared: Path) -> int:
    """Drops person aliases that are an office title followed by another alias of the same person.

    Phoenix lists phrases such as "US President Barack Obama" as synonyms of the person. Kept, they win by
    leftmost-longest over the plain name and so decide which entity a mention of the name gets, and they
    make a title part of the mention. The plain name stays; nothing is lost for matching."""
    titles = set(OFFICE_WORDS)
    with open(shared / "data" / "sources" / "rigour" / "stopwords.json", encoding="utf-8") as f:
        prefixes = json.load(f)["person_name_prefixes"]
    for p in prefixes:
        titles |= {w.strip(".").lower() for w in p.split()}
    by_entity = collections.defaultdict(set)
    for (eid, name, _lang), _kind in g.rows.items():
        if g.etype.get(eid) == "PER":
            by_entity[eid].add(name.lower())
    doomed = []
    for (eid, name, lang), kind in g.rows.items():
        if kind == "canonical" or g.etype.get(eid) != "PER":
            continue
        toks = name.lower().split()
        for i in range(1, len(toks)):
            if " ".join(toks[i:]) in by_entity[eid] and any(t.strip(".,") in titles for t in toks[:i]):
                doomed.append((eid, name, lang))
                break
    for k in doomed:
        del g.rows[k]
    return len(doomed)


def drop_person_names_from_orgs(g: "Gazetteer", persons: "Gazetteer", countries: "Gazetteer") -> int:
    """Drops the names of persons from Phoenix organisations.

    Phoenix files a government under its leader's name (`Bashar al-Assad` is the canonical name of the
    SYRGOV actor). In text such a name means the person. A name is a person's when a person entity (from
    EveryPolitician or Phoenix) has it. (Officials listed only as synonyms of an institution, such as
    `John Kirby` under United States Military, are not caught: telling `John Kirby` from `White House` by
    name-part tables alone fails, since both words of each are surname forms.) When the canonical name
    goes, the next alias becomes canonical."""
    person_names = {name.lower() for (eid, name, _l) in persons.rows} | {
        name.lower() for (eid, name, _l) in g.rows if g.etype.get(eid) == "PER"}

    # Names of QID entities (countries, EU, UN): `The European Union` under a Phoenix actor would win by
    # leftmost-longest over `European Union` (Q458) whatever the priors say.
    qid_names = {name.lower() for (eid, name, _l) in countries.rows}

    def taken(name: str) -> bool:
        n = name.lower()
        bare = n[4:] if n.startswith("the ") else n
        return n in person_names or bare in person_names or bare in qid_names

    # Office titles filed under an institution whose own name lacks them (`German Chancellor` under
    # Reichstag) name a person holding the office, not the institution.
    canonical = {eid: name.lower() for (eid, name, _l), kind in g.rows.items() if kind == "canonical"}

    def foreign_title(eid: str, name: str) -> bool:
        words = {w.strip(".,") for w in name.lower().split()}
        own = set(canonical.get(eid, "").split())
        return any(w in OFFICE_WORDS and w not in own for w in words)

    # Officials filed as synonyms of an institution (`John Kirby` under United States Military): a
    # non-canonical alias of two or three capitalised words whose first word is a common given name
    # (the first word of at least 30 politicians' canonical names) names a person.
    first_words = collections.Counter(
        name.split()[0] for (eid, name, _l), kind in persons.rows.items() if kind == "canonical" and " " in name)
    given = {w for w, c in first_words.items() if c >= 30 and w[:1].isupper()}

    org_words = {"club", "organization", "organisation", "party", "front", "movement", "group", "army",
                 "brigade", "brigades", "council", "company", "bank", "committee", "union", "association",
                 "force", "forces", "foundation", "institute", "society", "league", "network", "agency",
                 "ministry", "church", "university", "college", "school", "hospital", "fund", "trust"}

    def official(name: str) -> bool:
        toks = name.split()
        return (2 <= len(toks) <= 3 and toks[0] in given and all(t[:1].isupper() for t in toks)
                and not any(t.lower().strip(".,") in org_words for t in toks))

    doomed = [k for k in g.rows
              if g.etype.get(k[0]) == "ORG" and (taken(k[1]) or (g.rows[k] != "canonical" and (
                  foreign_title(k[0], k[1]) or official(k[1]))))]
    officials = sorted(k[1] for k in doomed if official(k[1]) and not taken(k[1]))
    print(f"  phoenix organisation aliases dropped as officials' names: {len(officials)} "
          f"({', '.join(officials)})")
    lost_canonical = {k[0] for k in doomed if g.rows[k] == "canonical"}
    for k in doomed:
        del g.rows[k]
    for eid in lost_canonical:
        rest = sorted((k for k in g.rows if k[0] == eid), key=lambda k: (k[2] != "en", k[1]))
        if rest:
            g.set_canonical(eid, rest[0][1], rest[0][2])
    return len(doomed)


def phoenix_file_id(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    return base[:-4] if base.endswith(".txt") else base


def phoenix_date(d: str) -> str:
    return d[:4] if re.fullmatch(r"[12][0-9]{7}", d or "") and d not in ("18000101", "22000101") else ""


PHOENIX_DEMONYM_SUFFIXES = (
    "o", "a", "os", "as", "es", "no", "na", "nos", "nas", "ano", "ana", "anos", "anas", "ense",
    "enses", "eno", "ena", "enos", "enas", "eño", "eña", "eños", "eñas", "ino", "ina", "inos", "inas",
    "ese", "eses", "es", "esa", "esas", "aco", "aca", "acos", "acas", "iano", "iana", "ianos", "ianas",
    "ita", "itas", "ito", "itos", "i", "ian", "ians", "ean", "eans", "an", "ans", "ish", "ic", "er",
    "ers", "ier", "ien", "ienne", "ois", "oise", "ais", "aise", "isch", "ische", "ite", "ites", "ese")


def load_org_words(src: Path) -> set:
    """Single words that mark an organisation name (rigour symbols: org_symbols, org_domains)."""
    with open(src / "rigour" / "symbols.json", encoding="utf-8") as f:
        sym = json.load(f)
    words = set()
    for table in ("org_symbols", "org_domains"):
        for key, forms in sym.get(table, {}).items():
            for w in [key] + list(forms):
                w = fold(w)
                if w and " " not in w and len(w) >= 3:
                    words.add(w)
    return words


def build_phoenix(shared: Path, cg: Gazetteer, territories: dict, place_names: set,
                  demonym_skels: set, stopwords: set, person_forms: set,
                  big_place_names: set) -> tuple[Gazetteer, dict]:
    src = shared / "data" / "sources" / "phoenix-actors"
    stats = collections.Counter()
    names: dict[tuple, list] = collections.defaultdict(list)
    roles: dict[tuple, list] = collections.defaultdict(list)
    order = []
    with open(src / "actor_names.tsv", encoding="utf-8", newline="") as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").rstrip("\r").split("\t")
            if PHOENIX_SKIP_FILE in p[0]:
                continue
            key = (p[0], int(p[1]))
            if key not in names:
                order.append(key)
            names[key].append((p[2], p[3] == "1"))
    with open(src / "actor_roles.tsv", encoding="utf-8", newline="") as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").rstrip("\r").split("\t")
            roles[(p[0], int(p[1]))].append((p[2], p[3], p[4], p[5]))

    alpha3_qid = {}
    for t in territories.values():
        if t.get("alpha3"):
            alpha3_qid[t["alpha3"].upper()] = t["qid"]
    # CAMEO's own codes of two countries whose ISO codes came later (or are user-assigned)
    for cameo, iso in PHOENIX_COUNTRY_CODES.items():
        if iso in alpha3_qid:
            alpha3_qid[cameo] = alpha3_qid[iso]
    # country names per QID (folded tokens of Latin-script names) for the similarity test
    qid_tokens: dict[str, set] = collections.defaultdict(set)
    qid_names: dict[str, set] = collections.defaultdict(set)
    # the same, of the names given with a language (an `und` name is gated: rigour's weak names of a
    # country include its provinces, `British Columbia`, which Phoenix lumps with it too)
    qid_tagged_names: dict[str, set] = collections.defaultdict(set)
    for (eid, name, lang), kind in cg.rows.items():
        if kind != "demonym" and re.search(r"[A-Za-z]", name):
            qid_names[eid].add(name.lower())
            if lang != "und":
                qid_tagged_names[eid].add(name.lower())
            for tok in fold(name).split(" "):
                if len(tok) >= 4:
                    qid_tokens[eid].add(tok)
    # the demonyms Phoenix lists that an English name of the country makes (`Russian`, `Italian`)
    qid_en_words = english_words(cg)
    phoenix_demonyms: dict[str, set] = collections.defaultdict(set)

    org_words = load_org_words(shared / "data" / "sources")

    def looks_demonym(word: str, qid: str) -> bool:
        w = fold(word)
        for t in qid_names[qid]:
            t = fold(t)
            if " " in t or len(t) < 4 or w == t:
                continue
            stem = t.rstrip("aeiouy")
            if len(stem) >= 3 and w.startswith(stem) and w[len(stem):] in PHOENIX_DEMONYM_SUFFIXES:
                return True
        return False

    def near_country_word(word: str, qid: str) -> bool:
        w = fold(word)
        k = 1 if len(w) < 7 else 2
        return any(levenshtein_le(w, fold(t), k) for t in qid_names[qid] if " " not in t)

    def country_like(name: str, qid: str) -> bool:
        toks = [t for t in fold(name).split(" ") if len(t) >= 4]
        for t in toks:
            k = 1 if len(t) < 7 else 2
            if any(t == c or levenshtein_le(t, c, k) for c in qid_tokens[qid]):
                return True
        return False

    # Arabic title/institution words: words that occur in many phrases
    ar_word_freq = collections.Counter()
    for key in order:
        if "arabic" in key[0]:
            for w in {w for n, _ in names[key] for w in n.split()}:
                ar_word_freq[w] += 1
    ar_heads = {w for w, c in ar_word_freq.items() if c >= ARABIC_HEAD_MIN}
    en_word_freq = collections.Counter()
    for key in order:
        if "petrarch2" in key[0]:
            for w in {w for n, _ in names[key] for w in fold(n).split(" ")}:
                en_word_freq[w] += 1
    en_common = {w for w, c in en_word_freq.items() if c >= ENGLISH_COMMON_MIN and len(w) >= 3}
    # Arabic words of several Phoenix phrases (lemmatised titles, nouns, adjectives) are common words
    en_common |= {fold(w) for w, c in ar_word_freq.items() if c >= ARABIC_COMMON_MIN}
    strong_common = {fold(w) for w in ar_heads} | {w for w, c in en_word_freq.items() if c >= ENGLISH_COMMON_MIN and len(w) >= 3}

    g = Gazetteer()
    role_countries: dict[str, set] = {}
    merged_country = 0
    for key in order:
        file, entry = key
        lang = next(v for k, v in PHOENIX_LANG.items() if k in file)
        fid = phoenix_file_id(file)
        eid = f"phoenix:{fid}#{entry}"
        rs = roles.get(key, [])
        codes = sorted({c for c, *_ in rs if re.fullmatch(r"[A-Z0-9]{3,}", c)})
        dated = [r for r in rs if r[1] in ("range", "after", "before")]
        bare = [c for c in codes if c in alpha3_qid]
        prim = [n for n, is_p in names[key] if is_p][0]
        allnames = [n for n, _ in names[key]]
        if any("\x1a" in n for n in allnames):
            stats["names dropped: stray control character"] += sum("\x1a" in n for n in allnames)
            allnames = [n for n in allnames if "\x1a" not in n]
            if not allnames:
                continue
        # country entries -> the country's QID
        same_country = bool(bare) and len(bare) == 1 and all(c.startswith(bare[0]) for c in codes)
        # A country that split from another is coded by succession: `USRUKR` before 1991 (Ukraine in the
        # USSR), `UKRUNR` for its months unrecognised, then `UKR` from 1991 on. Its entry lumps misspellings
        # of the country with places in it (`Charkiv`, `KIEV`, `Donbas`), so its main name need not be a
        # name of the country: the entry is the country if its one open-ended role is the bare code and
        # every code contains it. Only its country names are kept (the filters below); its places are
        # GeoNames'.
        current = [c for c, op, *_ in rs if op == "after" and c in alpha3_qid]
        succession = "Countries" in file and len(current) == 1 and all(current[0] in c for c in codes)
        if succession:
            bare, same_country = current, True
        if same_country and (codes == bare and not dated or succession
                             or country_like(prim, alpha3_qid[bare[0]])):
            qid = alpha3_qid.get(bare[0])
            if lang == "ar":
                stats["entries skipped: Arabic country-level phrases"] += 1
                continue
            if qid and qid in cg.etype and (succession or country_like(prim, qid)):
                merged_country += 1
                stats["country entries coded by succession (USRUKR, UKRUNR, UKR)"] += succession
                trusted_lower = qid_names[qid]
                multi_first = {n.split(" ", 1)[0] for n in trusted_lower if " " in n}
                for n in allnames:
                    conv = convert_caps(clean_name(n), person=False)
                    one = n_tokens(conv) == 1
                    if conv in place_names:
                        stats["country entries: names dropped (GeoNames place name)"] += 1
                    elif not country_like(conv, qid) or (one and not near_country_word(conv, qid)):
                        stats["country entries: names dropped (no country-name token)"] += 1
                    elif one and (is_demonym(conv, trusted_lower, multi_first) or skeleton(conv) in demonym_skels
                                  or looks_demonym(conv, qid)):
                        stats["country entries: names dropped (demonym)"] += 1
                        if lang == "en" and english_demonym_of(conv, qid_en_words[qid]):
                            phoenix_demonyms[qid].add(conv)
                    else:
                        low = conv.lower()
                        # `Bosnia`, gated as a weak name of Bosnia and Herzegovina, is in English news
                        # the usual name of the country: the first part of its name `X and Y`
                        short_name = any(t.startswith(low + " and ") for t in qid_tagged_names[qid])
                        if low in qid_tagged_names[qid] or low in trusted_lower and not short_name:
                            stats["country entries: names already in the country entity"] += 1
                        elif cg.add(qid, conv, lang, "abbreviation" if ABBREV_RE.match(conv) else "alias"):
                            stats["country entries: names added to country QIDs"] += 1
                continue
            # coded to a country but not a name of it: cities, adjectives, nicknames of the country
            stats["entries skipped: country-coded, not a name of the country"] += 1
            continue
        toks = fold(prim).split(" ")
        if lang == "ar":
            is_person = bool(dated) and (toks[0] not in ar_heads or any(t in person_forms for t in toks))
        else:
            is_person = bool(dated) and toks[0] not in ("the", "el", "la", "los", "las") and \
                not any(t in org_words for t in toks) and any(t in person_forms for t in toks)
        if dated and not is_person:
            stats["entries with dated roles typed ORG (organisation words / no person-name part)"] += 1
        etype = "PER" if is_person else "ORG"
        person = etype == "PER"
        kept = []
        for n in allnames:
            n = clean_name(n)
            if lang == "ar":
                words = n.split()
                if all(w in ar_heads or len(w) <= 2 for w in words):
                    stats["Arabic phrases dropped: only title/institution words"] += 1
                    continue
                if len(words) == 1:
                    stats["Arabic phrases dropped: one word (lemmatised single words collide with common words)"] += 1
                    continue
                conv = n
            else:
                conv = convert_caps(n, person=person)
            if n_letters(conv) < 2:
                continue
            if n_tokens(conv) == 1 and fold(conv) in stopwords:
                stats["names dropped: one-word rigour stopword"] += 1
                continue
            if n != clean_name(prim) and conv in big_place_names:
                stats[f"synonyms dropped: main name of a GeoNames place >= {PLACE_CANON_POP:,} (Moscow as a government)"] += 1
                continue
            kept.append(conv)
        if not kept:
            stats["entries skipped: no usable name"] += 1
            continue
        g.etype[eid] = etype
        canon = convert_caps(clean_name(prim), person=person) if lang != "ar" else clean_name(prim)
        if canon not in kept:
            canon = kept[0]
        if etype == "PER" and n_tokens(canon) == 1:
            # a single word does not identify a person: keep it gated (alias)
            g.canonical[eid] = (canon, lang)
        else:
            g.set_canonical(eid, canon, lang)
        for n in kept:
            kind = "abbreviation" if (not person and ABBREV_RE.match(n)) else "alias"
            g.add(eid, n, lang, kind)
        n_roles = len(rs)
        if person:
            g.prior[eid] = 200 + 50 * min(len({r[0] for r in rs}), 10)
        else:
            g.prior[eid] = 5000 + 100 * min(len(set(kept)) - 1, 15) + 10 * min(n_roles, 10)
        attrs = [f"source={fid}#{entry}"]
        undated = sorted({c for c, op, *_ in rs if op in ("primary", "default") and c})
        if undated:
            attrs.append("codes=" + clean_attr(" ".join(undated[:4])))
        if dated:
            ds = sorted(dated, key=lambda r: (r[2] or "0", r[0]))
            txt = []
            for c, op, d1, d2 in ds[-4:]:
                a, b = phoenix_date(d1), phoenix_date(d2)
                if op == "before":
                    a, b = "", a
                txt.append(f"{c} {a}-{b}")
            attrs.append("roles=" + clean_attr(" | ".join(txt)))
        g.attrs[eid] = "; ".join(attrs)
        role_countries[eid] = {alpha3_qid[c[:3]] for c, *_ in rs if c[:3] in alpha3_qid}
        stats[f"entities: {etype} ({lang})"] += 1
    stats["country entries merged into country QIDs"] = merged_country
    # Phoenix's English demonyms of a country that the country sources lack (`Russian`, `Italian`,
    # `Libyan`), as the demonyms there are kept: language `en`, kind `demonym`, not one two countries share
    demonym_owners: dict[str, set] = collections.defaultdict(set)
    for (eid, name, _lang), kind in cg.rows.items():
        if kind == "demonym":
            demonym_owners[name].add(eid)
    for qid, forms in phoenix_demonyms.items():
        for form in forms:
            demonym_owners[form].add(qid)
    for qid, forms in sorted(phoenix_demonyms.items()):
        for form in sorted(forms):
            if demonym_owners[form] != {qid}:
                stats["country entries: Phoenix demonyms left out (another country's)"] += 1
            elif (qid, form, "en") not in cg.rows:
                cg.add(qid, form, "en", "demonym")
                stats["country entries: Phoenix demonyms added (kind demonym, lang en)"] += 1
                # the country sources' weak name `Libyan` (no language) is this demonym, which as an
                # alias would match as the country's name
                if cg.rows.get((qid, form, "und")) == "alias":
                    del cg.rows[(qid, form, "und")]
                    stats["country entries: weak names that are Phoenix demonyms dropped"] += 1
    stats[f"English common words (in >= {ENGLISH_COMMON_MIN} entries)"] = len(en_common)
    stats["Arabic title/institution words (>= %d phrases)" % ARABIC_HEAD_MIN] = len(ar_heads)
    return g, {"stats": stats, "en_common": en_common, "strong_common": strong_common,
               "role_countries": role_countries}


# ---------------------------------------------------------------------------------------------
# Sanctions (OFAC SDN + alt, UN consolidated list)
# ---------------------------------------------------------------------------------------------

PATRONYMIC_RE = re.compile(r"(ovich|evich|yevich|ievich|ovych|ovna|evna|ivna|yevna|ich|ych)$", re.I)
OFAC_PERSON_RE = re.compile(r"^[A-Z][A-Z'\- ]*, [A-Z][^,]*$")


def surname_case(s: str) -> str:
    return convert_caps(s, person=True) if s.isupper() else s


def person_variants(raw: str) -> list[str]:
    """OFAC 'SURNAME, Given' -> ['Given Surname', 'Given Surname' without patronymic]."""
    if not OFAC_PERSON_RE.match(raw):
        return [convert_caps(raw, person=True)]
    sur, given = [x.strip() for x in raw.split(",", 1)]
    sur = surname_case(sur)
    given = convert_caps(given, person=True) if given.isupper() else given
    out = [f"{given} {sur}"]
    gt = given.split(" ")
    if len(gt) >= 2 and PATRONYMIC_RE.search(gt[-1]):
        out.append(" ".join(gt[:-1] + [sur]))
    return out


def build_sanctions(shared: Path, generic_persons: set, stopwords: set) -> tuple[Gazetteer, dict]:
    src = shared / "data" / "sources" / "sanctions"
    stats = collections.Counter()
    g = Gazetteer()

    def nz(v: str) -> str:
        v = (v or "").strip()
        return "" if v == "-0-" else v

    sdn = {}
    with open(src / "sdn.csv", encoding="utf-8", newline="") as f:
        for r in csv.reader(f):
            if len(r) < 12:
                continue
            sdn[int(r[0])] = r
    alts: dict[int, list] = collections.defaultdict(list)
    with open(src / "alt.csv", encoding="utf-8", newline="") as f:
        for r in csv.reader(f):
            if len(r) < 4 or not r[0].strip().isdigit():
                continue
            alts[int(r[0])].append((int(r[1]), nz(r[2]), clean_name(nz(r[3]))))

    def add_names(eid, etype, raw_names, primary_raw, lang_latin):
        person = etype == "PER"
        objects = etype == "MISC"
        canon_done = False
        for raw, quality in raw_names:
            if not raw:
                continue
            is_latin = script_lang(raw) == "und"
            lang = lang_latin if is_latin else script_lang(raw)
            variants = person_variants(raw) if (person and is_latin) else (
                [convert_caps(raw, person=False)] if is_latin else [raw])
            if person and is_latin and raw not in variants:
                variants.append(raw)  # the list's own spelling, e.g. "SHAABAN, Bouthaina"
            for v in variants:
                if n_letters(v) < 2:
                    continue
                one = n_tokens(v) == 1
                if person and fold(v) in generic_persons:
                    stats["names dropped: generic person name (rigour)"] += 1
                    continue
                if one and fold(v) in stopwords:
                    stats["names dropped: one-word stopword"] += 1
                    continue
                l = lang
                if one and (person or objects or quality == "Low"):
                    l = "und"  # one word of a person/vessel or a low-quality alias: language-gated
                kind = "abbreviation" if (not person and not objects and ABBREV_RE.match(v)) else "alias"
                if not canon_done and raw == primary_raw:
                    canon_done = True
                    if one and (person or objects):
                        g.canonical[eid] = (v, l)  # display name only; the row stays a gated alias
                    else:
                        g.set_canonical(eid, v, l)
                        continue
                g.add(eid, v, l, kind)

    ofac_types = {"individual": "PER", "vessel": "MISC", "aircraft": "MISC", "": "ORG"}
    for ent in sorted(set(sdn) | set(alts)):
        eid = f"ofac:{ent}"
        r = sdn.get(ent)
        al = sorted(alts.get(ent, []))
        if r:
            etype = ofac_types.get(nz(r[2]), "ORG")
            primary = clean_name(nz(r[1]))
            attrs = ["list=OFAC SDN"]
            if nz(r[3]):
                attrs.append("program=" + clean_attr(nz(r[3]).replace("] [", " ")))
            if nz(r[4]):
                attrs.append("title=" + clean_attr(nz(r[4]))[:80])
            if nz(r[2]) in ("vessel", "aircraft"):
                attrs.append("object=" + nz(r[2]))
        else:
            # aliases without an SDN row (alt.csv is newer than sdn.csv): type from the name form
            etype = "PER" if any(OFAC_PERSON_RE.match(n) for _, _, n in al) else "ORG"
            primary = al[0][2] if al else ""
            attrs = ["list=OFAC SDN", "note=alias file only"]
            stats["OFAC entries from alt.csv only"] += 1
        if not primary:
            continue
        g.etype[eid] = etype
        names = [(primary, "primary")] + [(n, t) for _, t, n in al]
        add_names(eid, etype, names, primary, "en")
        g.prior[eid] = 10 + min(len(names), 40)
        g.attrs[eid] = "; ".join(attrs)
        stats[f"OFAC entities: {etype}"] += 1

    un: dict[str, dict] = {}
    with open(src / "un_names_flat.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            ref = r["un_reference"].strip()
            u = un.setdefault(ref, {"kind": r["kind"], "names": []})
            nk = r["name_kind"]
            q = nk.split(":", 1)[1] if nk.startswith("alias:") else nk
            u["names"].append((clean_name(r["name"]), q))
    for ref in sorted(un):
        u = un[ref]
        eid = f"un:{ref}"
        etype = "PER" if u["kind"] == "INDIVIDUAL" else "ORG"
        g.etype[eid] = etype
        prim = [n for n, q in u["names"] if q == "primary"]
        primary = prim[0] if prim else u["names"][0][0]
        add_names(eid, etype, u["names"], primary, "en")
        g.prior[eid] = 10 + min(len(u["names"]), 40)
        g.attrs[eid] = f"list=UN Security Council Consolidated List; reference={ref}"
        stats[f"UN entities: {etype}"] += 1
    # explicit cross-references OFAC <-> UN: the files carry none (sdn.csv remarks have no UN
    # reference numbers, the UN XML no OFAC ids), so no sanctions entities are merged.
    xml = (src / "UN_consolidated.xml").read_text(encoding="utf-8")
    stats["UN XML mentions of OFAC/SDN (cross-references)"] = len(re.findall(r"\bOFAC\b|\bSDN\b", xml))
    return g, {"stats": stats}


# ---------------------------------------------------------------------------------------------
# Same-entity merges across sources, where a second piece of evidence corroborates the names
# ---------------------------------------------------------------------------------------------

def load_person_name_groups(src: Path) -> dict[str, set]:
    """rigour name-part groups: folded form -> group ids (a form can be in several groups)."""
    groups: dict[str, set] = collections.defaultdict(set)
    with open(src / "rigour" / "person_names.txt", encoding="utf-8") as f:
        for line in f:
            forms, gid = line.rstrip("\n").split(" => ", 1)
            for form in forms.split(", "):
                groups[fold(form)].add(gid)
    return groups


def same_person_name(a: tuple, b: tuple, groups: dict) -> bool:
    """Two names (folded token tuples) of the same length whose tokens are pairwise equal or spellings
    of one name part (a shared rigour group): `Sergei Lavrov` = `Sergey Lavrov`."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x != y and not (groups.get(x, set()) & groups.get(y, set())):
            return False
    return True


def merge_phoenix_persons(phg: Gazetteer, pg: Gazetteer, jurisdictions: dict, role_countries: dict,
                          territories: dict, groups: dict, log: list) -> int:
    """A Phoenix person whose name (two or more words) is a name of exactly one politician with a QID,
    token by token equal or a spelling of the same name part, and whose Phoenix role codes name a country
    the politician held an office or seat in (`RUSGOV` and Minister of Foreign Affairs of Russia), is that
    politician: its names move to the QID (kind alias), its entry is dropped. Returns the merges."""
    name_qid: dict[str, str | None] = {}
    territory_qids = set()
    for t in territories.values():
        territory_qids.add(t["qid"])
        for n in [t.get("name"), t.get("full_name")] + list(t.get("names_strong") or []):
            if n:
                k = fold(n)
                name_qid[k] = t["qid"] if name_qid.get(k, t["qid"]) == t["qid"] else None
    countries_of: dict[str, set] = {}
    for q, js in jurisdictions.items():
        cs = {j for j in js if j in territory_qids}
        cs |= {name_qid[fold(j)] for j in js if name_qid.get(fold(j))}
        countries_of[q] = cs
    # QID persons' names of 2+ words, by every spelling group (or the word) of their last word
    by_last: dict[str, set] = collections.defaultdict(set)
    for (q, name, _lang) in pg.rows:
        toks = tuple(fold(name).split())
        if len(toks) >= 2:
            for k in {toks[-1]} | groups.get(toks[-1], set()):
                by_last[k].add((q, toks))
    phoenix_names: dict[str, list] = collections.defaultdict(list)
    for (eid, name, lang), kind in phg.rows.items():
        if phg.etype.get(eid) == "PER":
            phoenix_names[eid].append((name, lang, kind))
    merges = {}
    for eid, names in sorted(phoenix_names.items()):
        where = role_countries.get(eid, set())
        if not where:
            continue
        found = set()
        for name, _lang, _kind in names:
            toks = tuple(fold(name).split())
            if len(toks) < 2:
                continue
            for k in {toks[-1]} | groups.get(toks[-1], set()):
                for q, qtoks in by_last.get(k, ()):
                    if q not in found and countries_of.get(q, set()) & where and \
                            same_person_name(toks, qtoks, groups):
                        found.add(q)
        if len(found) == 1:
            merges[eid] = found.pop()
    for eid, q in merges.items():
        gone_name = phg.canonical.get(eid, (phoenix_names[eid][0][0], ""))[0]
        for name, lang, kind in phoenix_names[eid]:
            del phg.rows[(eid, name, lang)]
            phg.add(q, name, lang, "alias")
        phg.etype[q] = "PER"
        phg.prior[q] = max(phg.prior.get(q, 0), phg.prior.get(eid, 0))
        for d in (phg.etype, phg.prior, phg.attrs, phg.canonical):
            d.pop(eid, None)
        log.append((q, eid, gone_name, "Phoenix person: same name (name-part spellings) and role country"))
    return len(merges)


SAME_ORG_MIN_SHARED_NAMES = 3


def merge_phoenix_sanctions_orgs(phg: Gazetteer, sg: Gazetteer, log: list) -> int:
    """A Phoenix organisation and a sanctions-list organisation sharing at least three distinct names
    (folded; acronyms count: `ISIL`, `ISIS`, `DAESH`), where neither shares that many with any other entry
    of the other source, are one organisation: the Phoenix names move to the sanctions ID (the published
    list's identifier; Phoenix numbers are positions in a dictionary file), with the higher prior. Returns
    the merges."""
    sanctions_by_name: dict[str, set] = collections.defaultdict(set)
    for (eid, name, _lang) in sg.rows:
        if sg.etype.get(eid) == "ORG":
            sanctions_by_name[fold(name)].add(eid)
    phoenix_names: dict[str, list] = collections.defaultdict(list)
    for (eid, name, lang), kind in phg.rows.items():
        if phg.etype.get(eid) == "ORG":
            phoenix_names[eid].append((name, lang, kind))
    pairs = {}
    for eid, names in sorted(phoenix_names.items()):
        shared = collections.Counter()
        for key in {fold(n) for n, _l, _k in names}:
            for s in sanctions_by_name.get(key, ()):
                shared[s] += 1
        strong = [s for s, c in shared.items() if c >= SAME_ORG_MIN_SHARED_NAMES]
        if len(strong) == 1:
            pairs[eid] = strong[0]
    claimed = collections.Counter(pairs.values())
    merged = 0
    for eid, s in sorted(pairs.items()):
        if claimed[s] != 1:
            continue
        gone_name = phg.canonical.get(eid, (phoenix_names[eid][0][0], ""))[0]
        for name, lang, kind in phoenix_names[eid]:
            del phg.rows[(eid, name, lang)]
            phg.add(s, name, lang, "abbreviation" if kind == "abbreviation" else "alias")
        phg.etype[s] = "ORG"
        phg.prior[s] = phg.prior.get(eid, 0)
        sg.prior[s] = max(sg.prior.get(s, 0), phg.prior[s])
        for d in (phg.etype, phg.prior, phg.attrs, phg.canonical):
            d.pop(eid, None)
        log.append((s, eid, gone_name,
                    f"Phoenix organisation and sanctions entry share >= {SAME_ORG_MIN_SHARED_NAMES} names"))
        merged += 1
    return merged


def write_name_parts(src: Path, person_rows: list[list[str]], path: Path) -> tuple[int, int]:
    """The shipped subset of rigour's name-part groups: every group with a spelling that is a word of a
    person's name in the default gazetteer (so the table covers the names entnorm knows, in all their
    spellings and scripts), as `name_part<TAB>name_group` rows. Returns (groups, rows)."""
    words = set()
    for r in person_rows:
        if r[2] == "PER":
            words.update(fold(r[1]).split())
    rows = set()
    groups = set()
    with open(src / "rigour" / "person_names.txt", encoding="utf-8") as f:
        for line in f:
            forms, gid = line.rstrip("\n").split(" => ", 1)
            forms = [x for x in forms.split(", ") if x and "\t" not in x]
            if any(fold(x) in words for x in forms):
                groups.add(gid)
                rows.update((x, gid) for x in forms)
    out = sorted(rows, key=lambda r: (qid_key(r[1]), r[0]))
    buf = io.BytesIO()
    text = "# Name-part spellings: a subset of OpenSanctions rigour 2.6.1 person_names.txt (MIT, see\n" \
           "# gazetteers/NOTICES.md). Each row: one spelling, the id of its group (a Wikidata name item).\n" \
           "name_part\tname_group\n" + "".join(f"{a}\t{b}\n" for a, b in out)
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())
    return len(groups), len(out)


# ---------------------------------------------------------------------------------------------
# Cross-walk of candidate same-entity pairs (names only: listed for review, never merged)
# ---------------------------------------------------------------------------------------------

def xw_norm(name: str) -> str:
    s = fold(name)
    s = re.sub(r"^the ", "", s)
    return s


def xw_source(eid: str) -> str:
    if QID_RE.match(eid):
        return "wikidata"
    return eid.split(":", 1)[0]


def build_crosswalk(gaz: list[tuple[str, list[list[str]]]], path: Path, merge_log: list) -> int:
    canon: dict[tuple, list] = collections.defaultdict(list)   # (norm name, type) -> [(eid, name)]
    alias: dict[tuple, list] = collections.defaultdict(list)
    for _label, rows in gaz:
        for r in rows:
            eid, name, etype, _lang, kind = r[0], r[1], r[2], r[3], r[4]
            if not (QID_RE.match(eid) or eid.startswith(("phoenix:", "ofac:", "un:"))):
                continue
            if etype in ("LOC", "MISC"):
                continue
            key = (xw_norm(name), etype)
            if not key[0]:
                continue
            if kind == "canonical":
                canon[key].append((eid, name))
            elif n_tokens(name) >= 2:
                alias[key].append((eid, name))
    pairs = {}
    for key, ents in canon.items():
        # canonical = canonical
        for i, (a, an) in enumerate(ents):
            for b, bn in ents[i + 1:]:
                if xw_source(a) != xw_source(b):
                    pairs.setdefault(tuple(sorted((a, b), key=id_sort_key)), (an, bn, f"same normalised canonical name, type {key[1]}"))
        # canonical = multi-word alias of another source (e.g. Phoenix 'The Islamic State' / OFAC aka 'ISLAMIC STATE')
        for a, an in ents:
            for b, bn in alias.get(key, []):
                if xw_source(a) != xw_source(b):
                    pairs.setdefault(tuple(sorted((a, b), key=id_sort_key)), (an, bn, f"canonical name of one = alias of the other, type {key[1]}"))
    names = {}
    for _label, rows in gaz:
        for r in rows:
            if r[4] == "canonical":
                names[r[0]] = r[1]
    for kept, gone, gone_name, ev in merge_log:
        pairs[(kept, gone)] = ("", gone_name, ev)
    merged = {(kept, gone) for kept, gone, _n, _ev in merge_log}
    lines = ["left_id\tright_id\tleft_name\tright_name\tevidence\tdecision"]
    for (a, b), (_an, _bn, ev) in sorted(pairs.items(), key=lambda kv: (id_sort_key(kv[0][0]), id_sort_key(kv[0][1]))):
        decision = "merged into left_id" if (a, b) in merged else "not merged: name evidence only, review"
        lines.append(f"{a}\t{b}\t{names.get(a, _an)}\t{names.get(b, _bn)}\t{ev}\t{decision}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(pairs)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def summarize(label: str, rows: list[list[str]]) -> dict:
    ents = {r[0] for r in rows}
    langs = {r[3] for r in rows}
    kinds = collections.Counter(r[4] for r in rows)
    types = collections.Counter()
    seen = set()
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            types[r[2]] += 1
    info = {"entities": len(ents), "aliases": len(rows), "languages": len(langs - {"und"}),
            "kinds": dict(sorted(kinds.items())), "types": dict(sorted(types.items()))}
    print(f"{label}: {info['entities']:,} entities, {info['aliases']:,} aliases (rows), "
          f"{info['languages']} languages (+ und); kinds {info['kinds']}; types {info['types']}")
    return info


def main() -> int:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("ENTNORM_SHARED") or str(repo / ".." / "shared"),
                    help="shared data directory (contains data/sources); default $ENTNORM_SHARED or ../shared")
    ap.add_argument("--out", default=str(repo / "gazetteers" / "default"), help="output directory")
    ap.add_argument("--crosswalk", default=str(repo / "gazetteers" / "crosswalk.tsv"),
                    help="review list of name-only candidate pairs")
    args = ap.parse_args()
    shared = Path(args.shared).resolve()
    out = Path(args.out)
    if not (shared / "data" / "sources").is_dir():
        print(f"error: {shared}/data/sources not found (use --shared or ENTNORM_SHARED)", file=sys.stderr)
        return 2
    t0 = time.time()
    src = shared / "data" / "sources"
    territories = load_territories(src)
    stopwords, generic_persons = load_stopwords(src)
    person_forms = load_person_name_forms(src)

    def report(label, info):
        print(f"{label}: counts")
        for k, v in sorted(info["stats"].items()):
            print(f"  {k}: {v:,}")

    cg, cinfo = build_countries(shared)
    report("countries", cinfo)
    # Phoenix country entries add names to the country QIDs (so before countries are written)
    phg, phinfo = build_phoenix(shared, cg, territories, cinfo["place_names"], cinfo["demonym_skeletons"],
                                stopwords, person_forms, cinfo["big_place_names"])
    report("phoenix", phinfo)
    dropped = drop_title_phrases(phg, shared)
    print(f"  phoenix person aliases dropped as title + name phrases: {dropped:,}")
    pg, pinfo = build_persons(shared)
    dropped = drop_person_names_from_orgs(phg, pg, cg)
    print(f"  phoenix organisation aliases dropped as names of persons or countries: {dropped:,}")
    groups = load_person_name_groups(src)
    merge_log: list = []
    n = merge_phoenix_persons(phg, pg, pinfo["jurisdictions"], phinfo["role_countries"], territories,
                              groups, merge_log)
    print(f"  phoenix persons merged into politicians' QIDs (name-part spellings + role country): {n:,}")
    sg, sinfo = build_sanctions(shared, generic_persons, stopwords)
    n = merge_phoenix_sanctions_orgs(phg, sg, merge_log)
    print(f"  phoenix organisations merged into sanctions entries (>= {SAME_ORG_MIN_SHARED_NAMES} shared names): {n:,}")
    crows = finish_rows(cg)
    write_tsv_gz(out / "countries.tsv.gz", crows)
    orows = finish_rows(phg)
    write_tsv_gz(out / "organizations.tsv.gz", orows)

    prows = finish_rows(pg)
    write_tsv_gz(out / "persons.tsv.gz", prows)
    report("persons", pinfo)

    country_names_folded = {fold(r[1]) for r in crows if r[4] != "demonym"}
    lg, linfo = build_places(shared, country_names_folded, territories, person_forms, stopwords,
                             phinfo["en_common"], phinfo["strong_common"])
    lrows = finish_rows(lg)
    write_tsv_gz(out / "places.tsv.gz", lrows)
    report("places", linfo)

    # A sanctioned person's alias that is one common given name (`John`) names nobody in particular.
    first_words = collections.Counter(
        name.split()[0].lower() for (eid, name, _l), kind in pg.rows.items() if kind == "canonical" and " " in name)
    given = {w for w, c in first_words.items() if c >= 30}
    dropped = sg.remove_where(lambda name: " " not in name.strip() and name.strip().lower() in given)
    print(f"  sanctions aliases dropped as one common given name: {dropped:,}")
    srows = finish_rows(sg)
    write_tsv_gz(out / "sanctions.tsv.gz", srows)
    report("sanctions", sinfo)

    files = [("countries.tsv.gz", crows), ("persons.tsv.gz", prows), ("places.tsv.gz", lrows),
             ("organizations.tsv.gz", orows), ("sanctions.tsv.gz", srows)]
    n_groups, n_parts = write_name_parts(src, prows + orows + srows, out / "name_parts.tsv.gz")
    print(f"name_parts.tsv.gz: {n_groups:,} rigour name-part groups, {n_parts:,} spellings "
          f"({(out / 'name_parts.tsv.gz').stat().st_size:,} bytes)")
    n_xw = build_crosswalk(files, Path(args.crosswalk), merge_log)
    print(f"\ncrosswalk: {n_xw:,} candidate pairs written to {args.crosswalk}")

    print()
    tot_e = tot_a = 0
    all_langs = set()
    for f, rows in files:
        info = summarize(f, rows)
        tot_e += info["entities"]
        tot_a += info["aliases"]
        all_langs |= {r[3] for r in rows}
    all_langs.discard("und")
    print(f"total: {tot_e:,} entities, {tot_a:,} aliases, {len(all_langs)} languages (+ und)")
    for f, _ in files:
        print(f"  {f}: {(out / f).stat().st_size:,} bytes")

    # Verification only: look names up in the output and compare with the expected IDs
    # (an expected value ending in ':' accepts any ID of that namespace).
    by_name: dict[str, set] = collections.defaultdict(set)
    canon_of: dict[str, str] = {}
    for _f, rows in files:
        for r in rows:
            by_name[r[1]].add(r[0])
            if r[4] == "canonical":
                canon_of[r[0]] = r[1]
    expected = [
        ("Barack Obama", "Q76"), ("John Kerry", "Q22316"), ("Sergey Lavrov", "Q58217"),
        ("Bashar al-Assad", "Q44329"), ("Bashar Jaafari", "Q4866775"), ("Angela Merkel", "Q567"),
        ("Federica Mogherini", "Q3741557"), ("Syria", "Q858"), ("Russia", "Q159"),
        ("European Union", "Q458"), ("United Nations", "Q1065"), ("Джон Керри", "Q22316"),
        ("EU", "Q458"), ("UN", "Q1065"), ("USA", "Q30"), ("UK", "Q145"),
        ("Aleppo", "geonames:170063"), ("Hama", "geonames:170017"), ("حلب", "geonames:170063"),
        ("Reuters", "phoenix:"), ("AFP", "phoenix:"), ("Kremlin", "phoenix:"),
        ("DAESH", "ofac:8759"), ("ISIL", "ofac:8759"), ("Islamic State", "ofac:8759"),
        ("Sergei Lavrov", "Q58217"), ("Lavrov", "Q58217"),
        ("Dmitry Peskov", "ofac:35320"), ("دميتري بيسكوف", "phoenix:actor_dict_ar_v4#1374"),
        ("Bouthaina Shaaban", "ofac:12881"), ("Islamic State in Iraq and the Levant", "un:QDe.115"),
    ]
    print("\nchecks (name -> IDs found in the output):")
    failed = 0
    for name, q in expected:
        found = sorted(by_name.get(name, ()), key=id_sort_key)
        ok = any(x == q or (q.endswith(":") and x.startswith(q)) for x in found)
        failed += not ok
        shown = ", ".join(found[:6]) + (f", ... ({len(found)})" if len(found) > 6 else "")
        print(f"  {'OK  ' if ok else 'FAIL'} {name!r} -> {shown or '-'}"
              f"  (expected {q}, canonical {canon_of.get(q, '-')!r})")
    print(f"\ndone in {time.time() - t0:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
