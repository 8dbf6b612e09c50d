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
KIND_RANK = {"canonical": 0, "abbreviation": 1, "label": 2, "transliteration": 3, "alias": 4}

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
            canon = kind == "canonical"
            prior = self.prior.get(eid, 0)
            out.append([
                eid, name, self.etype[eid], lang, kind,
                (str(int(prior)) if float(prior).is_integer() else f"{prior:g}"),
                self.attrs.get(eid, "") if canon else "",
            ])
        out.sort(key=lambda r: (qid_key(r[0]), r[4] != "canonical", r[3], r[1]))
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
    with open(src / "geonames-cities500" / "cities500_names_flat.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["name_kind"] == "name":
                place_names.add(r["name"])

    g = Gazetteer()
    excluded = []
    demonym_skeletons: set[str] = set()
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
    return g, {"stats": stats, "excluded": excluded}


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
    return g, {"stats": stats}


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
    args = ap.parse_args()
    shared = Path(args.shared).resolve()
    out = Path(args.out)
    if not (shared / "data" / "sources").is_dir():
        print(f"error: {shared}/data/sources not found (use --shared or ENTNORM_SHARED)", file=sys.stderr)
        return 2
    t0 = time.time()

    cg, cinfo = build_countries(shared)
    crows = cg.finish()
    write_tsv_gz(out / "countries.tsv.gz", crows)
    print("countries: filter counts")
    for k, v in sorted(cinfo["stats"].items()):
        print(f"  {k}: {v:,}")

    pg, pinfo = build_persons(shared)
    prows = pg.finish()
    write_tsv_gz(out / "persons.tsv.gz", prows)
    print("persons: counts")
    for k, v in sorted(pinfo["stats"].items()):
        print(f"  {k}: {v:,}")

    print()
    ci = summarize("countries.tsv.gz", crows)
    pi = summarize("persons.tsv.gz", prows)
    all_langs = {r[3] for r in crows + prows} - {"und"}
    print(f"total: {ci['entities'] + pi['entities']:,} entities, {ci['aliases'] + pi['aliases']:,} aliases, "
          f"{len(all_langs)} languages (+ und)")
    for f in ("countries.tsv.gz", "persons.tsv.gz"):
        print(f"  {f}: {(out / f).stat().st_size:,} bytes")

    # Verification only: look names up in the output and compare with the expected QIDs.
    by_name: dict[str, set] = collections.defaultdict(set)
    canon_of: dict[str, str] = {}
    for r in crows + prows:
        by_name[r[1]].add(r[0])
        if r[4] == "canonical":
            canon_of[r[0]] = r[1]
    expected = [
        ("Barack Obama", "Q76"), ("John Kerry", "Q22316"), ("Sergey Lavrov", "Q58217"),
        ("Bashar al-Assad", "Q44329"), ("Bashar Jaafari", "Q4866775"), ("Angela Merkel", "Q567"),
        ("Federica Mogherini", "Q3741557"), ("Syria", "Q858"), ("Russia", "Q159"),
        ("European Union", "Q458"), ("United Nations", "Q1065"), ("Джон Керри", "Q22316"),
        ("EU", "Q458"), ("UN", "Q1065"), ("USA", "Q30"), ("UK", "Q145"),
    ]
    print("\nchecks (name -> QIDs found in the output):")
    failed = 0
    for name, q in expected:
        found = sorted(by_name.get(name, ()), key=qid_key)
        ok = q in found
        failed += not ok
        print(f"  {'OK  ' if ok else 'FAIL'} {name!r} -> {', '.join(found) or '-'}"
              f"  (expected {q}, canonical {canon_of.get(q, '-')!r})")
    print(f"\ndone in {time.time() - t0:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
