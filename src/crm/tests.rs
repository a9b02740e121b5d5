//! Field names, cuts, keys and part names of the CRM files.

use super::*;

#[test]
fn default_field_names() {
    assert_eq!(
        Target::Salesforce.default_field("probability"),
        "Scorebook_Win_Probability__c"
    );
    assert_eq!(
        Target::Salesforce.default_field("model_version"),
        "Scorebook_Model_Version__c"
    );
    assert_eq!(
        Target::Hubspot.default_field("scored_at"),
        "scorebook_scored_at"
    );
}

#[test]
fn cuts_on_characters() {
    let cut = |t: &str, n| {
        let mut t = t.to_string();
        super::cut(&mut t, n);
        t
    };
    assert_eq!(cut("héllo wörld", 5), "héll\u{2026}");
    assert_eq!(cut("short", 5), "short");
    assert_eq!(cut("exact", 5), "exact");
    // an emoji is two UTF-16 units, as Salesforce counts it; a flag and
    // a family emoji are never split
    assert_eq!(cut("ab😀cd", 5), "ab😀\u{2026}");
    assert_eq!(cut("ab😀cd", 4), "ab\u{2026}");
    assert_eq!(cut("a🇩🇪bcd", 5), "a\u{2026}");
    let family = "x👨\u{200d}👩\u{200d}👧yz";
    assert_eq!(cut(family, 9), "x\u{2026}");
    for n in 1..30 {
        let c = cut(&"Tier 1 😀 because 🇩🇪 x".repeat(2), n);
        assert!(c.encode_utf16().count() <= n.max(1), "{n}: {c}");
    }
}

#[test]
fn domains_as_hubspot_matches_them() {
    use crate::input::normalize_domain;
    assert_eq!(normalize_domain(" https://www.Acme.com/about "), "acme.com");
    assert_eq!(normalize_domain("acme.io"), "acme.io");
    for d in [
        "acme.com",
        "münchen-bau.de",
        "a.b.co.uk",
        "xn--bcher-kva.example",
    ] {
        assert!(crate::input::is_domain(d), "{d}");
    }
    for d in [
        "@evil.example",
        "=1+1",
        "acme",
        "-a.com",
        "a..com",
        "10.0.0.1",
        "a b.com",
        "",
    ] {
        assert!(!crate::input::is_domain(d), "{d}");
        assert!(bad_key(d, true).is_some(), "{d}");
    }
    assert_eq!(
        bad_key("=1+1", false),
        Some("starts like a spreadsheet formula")
    );
    assert_eq!(bad_key("A-1", false), None);
}

#[test]
fn part_names() {
    let out = Path::new("/x/sf.csv");
    assert_eq!(Parts::names(out, 1), vec![PathBuf::from("/x/sf.csv")]);
    assert_eq!(
        Parts::names(out, 2),
        vec![PathBuf::from("/x/sf-1.csv"), PathBuf::from("/x/sf-2.csv")]
    );
}
