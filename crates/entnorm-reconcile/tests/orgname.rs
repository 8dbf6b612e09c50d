//! Places inside company names (`First Boston Corp`) are written for review; places beside companies
//! and a country's own bank are not. Real sentences of 1987 Reuters business news.

mod common;

use std::path::Path;

use common::reconciled_links;
use entnorm_gazetteer::{GazetteerBuilder, Matcher, Origin};
use entnorm_reconcile::ResolveScratch;

const DEFAULT: &str = "entity_id\tname\ttype\tlang\tkind\tprior
geonames:4930956\tBoston\tLOC\tund\tcanonical\t617
geonames:2643743\tLondon\tLOC\tund\tcanonical\t4000
Q30\tUnited States\tGPE\tund\tcanonical\t1000000
Q30\tU.S.\tGPE\tund\tabbreviation\t
Q30\tAmerican\tGPE\ten\tdemonym\t
Q43\tTurkey\tGPE\tund\tcanonical\t1000000
Q43\tTurkish\tGPE\ten\tdemonym\t
";

/// (surface, score) of each link.
fn links(text: &str) -> Vec<(String, f64)> {
    let mut b = GazetteerBuilder::new();
    b.add_bytes(Path::new("g.tsv"), DEFAULT.as_bytes(), Origin::Default)
        .unwrap();
    let m = Matcher::new(b.build());
    reconciled_links(&m, &mut ResolveScratch::default(), text, Some("en"))
        .iter()
        .map(|l| (text[l.mention.start..l.mention.end].to_owned(), l.score))
        .collect()
}

#[test]
fn a_place_that_starts_a_company_name_is_written_for_review() {
    for text in [
        "First Boston Corp managing director Albert Wojnilower said.",
        "American Brands Inc said it filed with the Securities and Exchange Commission.",
        "FIRST BOSTON CORP SAYS STOCKS OVERVALUED",
        "Boston Five Cents Savings Bank said it raised its prime rate.",
    ] {
        let found = links(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert!(found[0].1 < 0.7, "{text}: {found:?}");
    }
}

#[test]
fn places_beside_companies_and_a_countrys_own_bank_stay_accepted() {
    for text in [
        "The company moved its headquarters to Boston last year.",
        "Shares of the Boston Globe reported higher earnings.",
        "The Turkish Central Bank set a Lira/Dollar rate for April 8.",
        "U.S. General Electric Co said it would buy the unit.",
        "Its London office, Boston\nCorp filings show, is closed.",
    ] {
        let found = links(text);
        assert!(!found.is_empty(), "{text}");
        assert!(found.iter().all(|l| l.1 >= 0.7), "{text}: {found:?}");
    }
}
