//! Place names inside company names: `First Boston Corp`, `American Ecology Corp`, `Commonwealth Bank of
//! Australia` name companies, not Boston, the United States or a place called Commonwealth.
//!
//! A link to a place (or a country's demonym) followed, within the same run of capitalised words, by a
//! legal form (`Corp`, `Inc`, `Ltd`, `Plc`, `GmbH`, ...), `Airlines`/`Airways`, or after a city `Bank`, is
//! written for review ([`IN_COMPANY_NAME_SCORE`]). Only words a company name ends with
//! count, so `Boston Globe reported` or `the Japan Times` are left alone; so is a place after the company
//! word (`Bank of England`), which names where the company is.

use entnorm_gazetteer::Matcher;
use entnorm_tokenize::{Analysis, TokenClass};

use crate::{Link, Method};

/// Score of a place or demonym link inside a company name: below the accept threshold, for review.
pub const IN_COMPANY_NAME_SCORE: f64 = 0.5;

/// How many capitalised words may stand between the place and the company word (`First Boston Corp`:
/// none; `Pacific Gas and Electric Co`: three, with the lower-case `and` allowed).
const MAX_WORDS_BETWEEN: usize = 3;

/// Words that end English company names: legal forms and company nouns (compared case-insensitively,
/// without a final dot).
const COMPANY_WORDS: &[&str] = &[
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "plc",
    "llc",
    "co",
    "cos",
    "gmbh",
    "ag",
    "nv",
    "bv",
    "sa",
    "spa",
    "bhd",
    "pty",
    "airlines",
    "airways",
];

/// Words for banks, which end company names after a city (`Midland Bank`, `Chase Manhattan Bank`) but
/// after a country or demonym usually name the country's own bank (`Turkish Central Bank`).
const BANK_WORDS: &[&str] = &["bank", "bancorp", "bancshares"];

/// Lowers to [`IN_COMPANY_NAME_SCORE`] the place and demonym links of one text that a company name
/// continues (module docs).
pub(crate) fn demote_places_in_company_names(
    text: &str,
    analysis: &Analysis,
    links: &mut [Link],
    matcher: &Matcher,
) {
    let tokens = analysis.tokens();
    for link in links.iter_mut() {
        let m = &link.mention;
        let entity_type = matcher.entity_type(m.entity);
        let city = entity_type == "LOC" && link.method != Method::Demonym;
        let place = matches!(entity_type, "LOC" | "GPE") || link.method == Method::Demonym;
        // An abbreviation with dots (`U.S. General Electric Co`, `U.S. subsidiary Strata Bit Corp`)
        // qualifies the company more often than it starts its name.
        if !place || link.score <= IN_COMPANY_NAME_SCORE || text[m.start..m.end].ends_with('.') {
            continue;
        }
        let mut words_between = 0;
        let mut i = m.token_end;
        let mut prev_end = tokens
            .get(m.token_end.wrapping_sub(1))
            .map_or(m.end, |t| t.end());
        while i < tokens.len() {
            let t = &tokens[i];
            // Same line, one space at most: a company name is written as one run.
            let gap = &text[prev_end..t.start()];
            if gap.len() > 1 || gap.contains('\n') {
                break;
            }
            let word = &text[t.range()];
            if t.class == TokenClass::Punct {
                // `Co.`, `&`: a dot ends the legal form, an ampersand joins two names.
                if word == "&" {
                    prev_end = t.end();
                    i += 1;
                    continue;
                }
                break;
            }
            if t.class != TokenClass::Word {
                break;
            }
            let lower = word.to_lowercase();
            let company_word = COMPANY_WORDS.contains(&lower.as_str())
                || (city && BANK_WORDS.contains(&lower.as_str()));
            if company_word && word.chars().next().is_some_and(char::is_uppercase) {
                link.score = IN_COMPANY_NAME_SCORE;
                break;
            }
            let capitalised = word.chars().next().is_some_and(char::is_uppercase);
            if !(capitalised || lower == "and") || words_between == MAX_WORDS_BETWEEN {
                break;
            }
            words_between += 1;
            prev_end = t.end();
            i += 1;
        }
    }
}
