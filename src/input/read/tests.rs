//! Dates and headers read as written.

use super::*;

#[test]
fn parses_dates() {
    assert_eq!(parse_date("1970-01-02"), Some(1));
    assert_eq!(parse_date("2017-03-01T10:00:00Z"), parse_date("2017-03-01"));
    assert_eq!(parse_date("2017-02-30"), None);
    assert_eq!(parse_date("03/01/2017"), None);
}

#[test]
fn quoted_headers_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    for (k, bom) in ["", "\u{feff}"].iter().enumerate() {
        let p = dir.path().join(format!("a{k}.csv"));
        std::fs::write(
            &p,
            format!("{bom}\"account_id\",\"Partner \"\"Tier\"\"\",\"x,y\"\na1,\"Gold\",1\n"),
        )
        .unwrap();
        assert_eq!(
            column_names(&p).unwrap(),
            vec!["account_id", "Partner \"Tier\"", "x,y"],
            "{bom:?}"
        );
    }
}
