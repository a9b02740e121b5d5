//! Hand-written rules and disqualifiers: SQL predicates over the feature
//! table, parsed by `sqlparser` (not tokenized) and accepted only in the
//! portable subset every warehouse reads the same. One checked tree is
//! rendered for Polars SQL (evaluated here, in one lazy select) and for
//! each dialect `export-sql` writes, so the two cannot read a rule apart.
//!
//! Rules see the values as exported: a feature imputed for the model from
//! a missing value is NULL to a rule (`employees IS NULL` fires, and
//! `employees BETWEEN 100 AND 1000` does not on an unknown headcount),
//! with SQL's three-valued logic; a predicate that is NULL does not match.

use polars::prelude::*;
use sqlparser::ast::{
    BinaryOperator, CaseWhen, Expr as Sql, FunctionArg, FunctionArgExpr, FunctionArguments,
    ObjectNamePart, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::config::{Disqualifier, Rule};
use crate::error::{Error, Result};
use crate::features::{FeatureSpec, FeatureTable, Values};
use crate::model::sql::Dialect;

/// Rule points, disqualification and which rules matched, per row.
pub struct RuleResult {
    pub points: Vec<f64>,
    pub disqualified: Vec<Option<String>>,
    /// Names of the matched rules per row, with their points.
    pub matched: Vec<Vec<(String, f64)>>,
}

/// Functions a predicate may call: the same in every dialect `export-sql`
/// writes and in Polars SQL.
const PORTABLE_FUNCTIONS: &[&str] = &[
    "ABS", "COALESCE", "NULLIF", "LOWER", "UPPER", "LEAST", "GREATEST", "LN", "ROUND",
];

/// A predicate parsed and checked: one SQL expression in the portable
/// subset, naming only features.
#[derive(Debug, Clone)]
pub struct Predicate {
    tree: Sql,
    /// The features it reads, each once.
    pub features: Vec<String>,
    /// Its Polars expression (Polars SQL of the rendered tree).
    polars: Expr,
}

/// Where a predicate is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Polars,
    Sql(Dialect),
}

impl Predicate {
    /// Parses `when` (rule or disqualifier `name`) and checks it against
    /// the feature names; the error names the rule and the offending part.
    pub fn parse(kind: &str, name: &str, when: &str, features: &[String]) -> Result<Predicate> {
        let fail =
            |why: String| Error::config("rules", format!("{kind} {name:?} (`{when}`): {why}"));
        let dialect = GenericDialect {};
        // operators some dialects read and others refuse, spelled out
        let tokens = Tokenizer::new(&dialect, when)
            .tokenize()
            .map_err(|e| fail(format!("cannot parse it as SQL: {e}")))?;
        for t in &tokens {
            match t {
                Token::DoubleEq => return Err(fail("`==` is not SQL: compare with `=`".into())),
                Token::ExclamationMark | Token::DoubleExclamationMark => {
                    return Err(fail("`!` is not SQL: negate with NOT".into()))
                }
                _ => {}
            }
        }
        let mut parser = Parser::new(&dialect)
            .try_with_sql(when)
            .map_err(|e| fail(format!("cannot parse it as SQL: {e}")))?;
        let tree = parser
            .parse_expr()
            .map_err(|e| fail(format!("cannot parse it as a SQL predicate: {e}")))?;
        match parser.peek_token().token {
            Token::EOF => {}
            Token::SemiColon => {
                return Err(fail(
                    "a predicate is one expression; `;` starts a second statement".into(),
                ))
            }
            t => return Err(fail(format!("unexpected `{t}` after the predicate"))),
        }
        let mut seen: Vec<(String, bool)> = vec![];
        render(
            &tree,
            Target::Polars,
            &|n| n.to_string(),
            &mut |n, quoted| {
                if !seen.iter().any(|(s, _)| s == n) {
                    seen.push((n.to_string(), quoted));
                }
            },
        )
        .map_err(fail)?;
        // a rule reads features; a book's predicate (`segment of rep`, ...) columns
        let (noun, listed) = match kind {
            "rule" | "disqualifier" => ("feature", "; `scorebook features --list` names them"),
            _ => ("column", ""),
        };
        if let Some((bad, quoted)) = seen.iter().find(|(n, _)| !features.iter().any(|f| f == n)) {
            return Err(fail(if *quoted {
                format!("\"{bad}\" is not a {noun}: double quotes name columns; write text in single quotes ('{bad}')")
            } else {
                format!("`{bad}` is not a {noun}{listed}")
            }));
        }
        let text =
            render(&tree, Target::Polars, &|n| quoted(n, '"'), &mut |_, _| {}).map_err(fail)?;
        let polars = polars::sql::sql_expr(&text).map_err(|e| {
            fail(format!("Polars cannot evaluate it ({e}); rewrite it in the portable forms (README, How it works: Rules)"))
        })?;
        Ok(Predicate {
            tree,
            features: seen.into_iter().map(|(n, _)| n).collect(),
            polars,
        })
    }

    /// Where the predicate holds on each row of `frame` (which has the
    /// columns it reads); NULL does not hold.
    pub fn holds(&self, frame: &DataFrame, what: &str) -> Result<Vec<bool>> {
        let n = frame.height();
        let res = frame
            .clone()
            .lazy()
            .select([self.polars.clone().alias("__holds")])
            .collect()
            .map_err(|e| Error::config("books", format!("cannot evaluate {what}: {e}; compare numbers with numbers and text with 'text'")))?;
        let c = res.column("__holds")?;
        let b = c
            .bool()
            .map_err(|_| Error::config("books", format!("{what} is not a true/false predicate")))?;
        let v: Vec<bool> = b.iter().map(|v| v.unwrap_or(false)).collect();
        Ok(if v.len() == 1 { vec![v[0]; n] } else { v })
    }

    /// The predicate as SQL for `target`; `feature` gives each feature's
    /// SQL (a dialect's identifier, or its NULL-where-missing form).
    pub fn render(&self, target: Target, feature: &dyn Fn(&str) -> String) -> String {
        render(&self.tree, target, feature, &mut |_, _| {}).unwrap_or_default()
    }
}

/// `name` as an identifier: bare when plain, else in `quote` (doubled inside).
pub fn quoted(name: &str, quote: char) -> String {
    let mut ch = name.chars();
    let plain = ch
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && ch.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        let q = quote.to_string();
        format!("{quote}{}{quote}", name.replace(&q, &format!("{q}{q}")))
    }
}

/// A text literal: as the dialect reads it (`sql::q`); Polars SQL reads
/// no backslash escapes.
fn text(target: Target, s: &str) -> String {
    match target {
        Target::Sql(d) => crate::model::sql::q(d, s),
        Target::Polars => crate::model::sql::q(Dialect::DuckDb, s),
    }
}

/// Renders `e` for `target`, calling `seen` with each feature it reads
/// (and whether it was quoted);
/// anything outside the portable subset is an error saying what.
fn render(
    e: &Sql,
    target: Target,
    feature: &dyn Fn(&str) -> String,
    seen: &mut dyn FnMut(&str, bool),
) -> std::result::Result<String, String> {
    let mut r = |e: &Sql| render(e, target, feature, seen);
    Ok(match e {
        Sql::Identifier(id) => {
            if id.quote_style.is_some_and(|q| q != '"') {
                return Err(format!(
                    "{0}{1}{0} is quoted with {0}: write a feature name bare, or in double quotes when it has spaces",
                    id.quote_style.unwrap_or('"'),
                    id.value
                ));
            }
            seen(&id.value, id.quote_style.is_some());
            feature(&id.value)
        }
        Sql::CompoundIdentifier(parts) => {
            let names: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
            return Err(format!(
                "`{}` names a table's column: rules read the feature table, write the feature name alone",
                names.join(".")
            ));
        }
        Sql::Value(v) => match &v.value {
            // exponents spelled out: Polars SQL reads no `1e7`
            Value::Number(n, _) if n.contains(['e', 'E']) => match n.parse::<f64>() {
                Ok(x) if x.is_finite() => format!("{x}"),
                _ => return Err(format!("the number {n} is out of range")),
            },
            Value::Number(n, _) => n.to_string(),
            Value::SingleQuotedString(s) => text(target, s),
            Value::Boolean(true) => "TRUE".into(),
            Value::Boolean(false) => "FALSE".into(),
            Value::Null => "NULL".into(),
            Value::DoubleQuotedString(s) => {
                return Err(format!("\"{s}\" is in double quotes, which name columns in some SQL dialects and text in others: write text in single quotes"))
            }
            other => return Err(format!("the literal {other} is not portable SQL: use numbers, 'single-quoted text', TRUE, FALSE or NULL")),
        },
        Sql::Nested(x) => format!("({})", r(x)?),
        Sql::UnaryOp { op, expr } => match op {
            UnaryOperator::Not => format!("(NOT {})", r(expr)?),
            UnaryOperator::Minus => format!("(-{})", r(expr)?),
            UnaryOperator::Plus => r(expr)?,
            other => return Err(format!("`{other}` is not portable SQL: negate with NOT")),
        },
        Sql::BinaryOp { left, op, right } => {
            let op = match op {
                BinaryOperator::Eq => "=",
                BinaryOperator::NotEq => "<>",
                BinaryOperator::Lt => "<",
                BinaryOperator::LtEq => "<=",
                BinaryOperator::Gt => ">",
                BinaryOperator::GtEq => ">=",
                BinaryOperator::And => "AND",
                BinaryOperator::Or => "OR",
                BinaryOperator::Plus => "+",
                BinaryOperator::Minus => "-",
                BinaryOperator::Multiply => "*",
                BinaryOperator::Divide => "/",
                BinaryOperator::Modulo => "%",
                other => {
                    return Err(format!(
                        "the operator `{other}` is not one every SQL dialect shares (=, <>, <, <=, >, >=, AND, OR, +, -, *, /, %)"
                    ))
                }
            };
            // a division by zero is NULL everywhere (Polars would give infinity)
            if matches!(op, "/" | "%") {
                format!("({} {op} NULLIF({}, 0))", r(left)?, r(right)?)
            } else {
                format!("({} {op} {})", r(left)?, r(right)?)
            }
        }
        // IS [NOT] TRUE / FALSE in the forms every dialect reads
        Sql::IsTrue(x) => format!("COALESCE({}, FALSE)", r(x)?),
        Sql::IsNotTrue(x) => format!("(NOT COALESCE({}, FALSE))", r(x)?),
        Sql::IsFalse(x) => format!("COALESCE((NOT {}), FALSE)", r(x)?),
        Sql::IsNotFalse(x) => format!("COALESCE({}, TRUE)", r(x)?),
        Sql::IsNull(x) => format!("({} IS NULL)", r(x)?),
        Sql::IsNotNull(x) => format!("({} IS NOT NULL)", r(x)?),
        Sql::InList {
            expr,
            list,
            negated,
        } => {
            let items = list.iter().map(&mut r).collect::<std::result::Result<Vec<_>, _>>()?;
            let not = if *negated { "NOT " } else { "" };
            format!("({} {not}IN ({}))", r(expr)?, items.join(", "))
        }
        Sql::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let not = if *negated { "NOT " } else { "" };
            format!("({} {not}BETWEEN {} AND {})", r(expr)?, r(low)?, r(high)?)
        }
        Sql::Like {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        } => {
            if *any || escape_char.is_some() {
                return Err("LIKE ANY and LIKE ... ESCAPE are not portable SQL: write LIKE 'pattern' with % and _".into());
            }
            let Sql::Value(v) = pattern.as_ref() else {
                return Err("a LIKE pattern must be a 'single-quoted' text".into());
            };
            let Value::SingleQuotedString(p) = &v.value else {
                return Err("a LIKE pattern must be a 'single-quoted' text".into());
            };
            if p.contains('\\') {
                return Err(format!("the LIKE pattern '{p}' has a backslash, an escape in some dialects and a plain character in others: match it with _"));
            }
            let not = if *negated { "NOT " } else { "" };
            format!("({} {not}LIKE {})", r(expr)?, text(target, p))
        }
        Sql::ILike { .. } => {
            return Err("ILIKE is not in every SQL dialect: write LOWER(feature) LIKE 'pattern'".into())
        }
        Sql::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut s = "CASE".to_string();
            if let Some(o) = operand {
                s += &format!(" {}", r(o)?);
            }
            for CaseWhen { condition, result } in conditions {
                s += &format!(" WHEN {} THEN {}", r(condition)?, r(result)?);
            }
            if let Some(x) = else_result {
                s += &format!(" ELSE {}", r(x)?);
            }
            s + " END"
        }
        Sql::Function(f) => {
            let name = match f.name.0.as_slice() {
                [ObjectNamePart::Identifier(id)] if id.quote_style.is_none() => {
                    id.value.to_ascii_uppercase()
                }
                _ => String::new(),
            };
            if !PORTABLE_FUNCTIONS.contains(&name.as_str()) {
                return Err(format!(
                    "`{}(...)` is not one of the functions every SQL dialect shares ({})",
                    f.name,
                    PORTABLE_FUNCTIONS.join(", ")
                ));
            }
            let plain = f.filter.is_none()
                && f.over.is_none()
                && f.null_treatment.is_none()
                && f.within_group.is_empty()
                && matches!(f.parameters, FunctionArguments::None);
            let FunctionArguments::List(list) = &f.args else {
                return Err(format!("`{name}` needs its arguments in parentheses"));
            };
            if !plain || list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                return Err(format!("`{name}(...)` may take plain arguments only"));
            }
            let mut args = vec![];
            for (k, a) in list.args.iter().enumerate() {
                match a {
                    // ROUND's digits: a whole number >= 0, as every dialect takes them
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(Sql::Value(v)))
                        if name == "ROUND" && k == 1 =>
                    {
                        match &v.value {
                            Value::Number(n, _) if n.chars().all(|c| c.is_ascii_digit()) => args.push(n.clone()),
                            _ => return Err(format!("ROUND's digits must be a whole number 0 or more, got {}", v.value)),
                        }
                    }
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(_)) if name == "ROUND" && k == 1 => {
                        return Err("ROUND's digits must be a whole number 0 or more".into())
                    }
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => args.push(r(x)?),
                    _ => return Err(format!("`{name}(...)` may take plain arguments only")),
                }
            }
            format!("{name}({})", args.join(", "))
        }
        Sql::Subquery(_) | Sql::InSubquery { .. } | Sql::Exists { .. } => {
            return Err("a subquery is not allowed in a rule: a predicate reads one row's features".into())
        }
        Sql::Cast { .. } => {
            return Err("CAST names types that differ between SQL dialects: compare the feature directly".into())
        }
        other => return Err(format!("`{other}` is not in the portable SQL subset rules use (comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL, CASE, arithmetic, {})", PORTABLE_FUNCTIONS.join(", "))),
    })
}

/// Every rule and disqualifier, parsed and checked against `features`.
pub struct RuleSet<'a> {
    rules: Vec<(&'a Rule, Predicate)>,
    disq: Vec<(&'a Disqualifier, Predicate)>,
}

impl<'a> RuleSet<'a> {
    fn parse(
        rules: &'a [Rule],
        disq: &'a [Disqualifier],
        features: &[String],
    ) -> Result<RuleSet<'a>> {
        Ok(RuleSet {
            rules: rules
                .iter()
                .map(|r| Ok((r, Predicate::parse("rule", &r.name, &r.when, features)?)))
                .collect::<Result<_>>()?,
            disq: disq
                .iter()
                .map(|d| {
                    Ok((
                        d,
                        Predicate::parse("disqualifier", &d.name, &d.when, features)?,
                    ))
                })
                .collect::<Result<_>>()?,
        })
    }

    /// The rules of a model over the features of `spec`.
    pub fn of(
        rules: &'a [Rule],
        disq: &'a [Disqualifier],
        spec: &FeatureSpec,
    ) -> Result<RuleSet<'a>> {
        let names: Vec<String> = spec.list().into_iter().map(|(n, _)| n).collect();
        RuleSet::parse(rules, disq, &names)
    }

    /// The rules' predicates, in order, with their points.
    pub fn rules(&self) -> impl Iterator<Item = (&Rule, &Predicate)> {
        self.rules.iter().map(|(r, p)| (*r, p))
    }

    /// The disqualifiers' predicates, in order.
    pub fn disqualifiers(&self) -> impl Iterator<Item = (&Disqualifier, &Predicate)> {
        self.disq.iter().map(|(d, p)| (*d, p))
    }

    fn all(&self) -> impl Iterator<Item = &Predicate> {
        self.rules
            .iter()
            .map(|(_, p)| p)
            .chain(self.disq.iter().map(|(_, p)| p))
    }

    /// The features the predicates read, as a DataFrame of the table's
    /// height: each NULL where a value it comes from was missing
    /// (`FeatureSpec::rule_sources`). Copying the whole table into Polars
    /// would double a training table.
    pub fn frame(&self, table: &FeatureTable, spec: &FeatureSpec) -> Result<DataFrame> {
        let mut names: Vec<&str> = vec![];
        for n in self.all().flat_map(|p| &p.features) {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        let n = table.rows();
        let mut cols: Vec<Column> = vec![];
        for name in names {
            let v = table.get(name).ok_or_else(|| {
                Error::Internal(format!(
                    "feature `{name}` of a rule is not in the feature table"
                ))
            })?;
            let mut missing: Option<Vec<bool>> = None;
            for s in spec.rule_sources(name) {
                if let Some(Values::Bool(mask)) = table.get(&FeatureSpec::null_mask(&s)) {
                    let m = missing.get_or_insert_with(|| vec![false; n]);
                    for (a, b) in m.iter_mut().zip(mask) {
                        *a |= *b;
                    }
                }
            }
            cols.push(column(name, v, missing.as_deref()));
        }
        Ok(DataFrame::new(n, cols)?)
    }

    /// Evaluates every predicate on `frame` (from `frame`).
    pub fn evaluate(&self, frame: &DataFrame) -> Result<RuleResult> {
        let n = frame.height();
        let mut out = RuleResult {
            points: vec![0.0; n],
            disqualified: vec![None; n],
            matched: vec![vec![]; n],
        };
        let labels: Vec<(&str, &str, &str)> = self
            .rules
            .iter()
            .map(|(r, _)| ("rule", r.name.as_str(), r.when.as_str()))
            .chain(
                self.disq
                    .iter()
                    .map(|(d, _)| ("disqualifier", d.name.as_str(), d.when.as_str())),
            )
            .collect();
        if labels.is_empty() {
            return Ok(out);
        }
        let exprs = self
            .all()
            .enumerate()
            .map(|(i, p)| p.polars.clone().alias(format!("__p{i}")))
            .collect::<Vec<_>>();
        let res = frame.clone().lazy().select(exprs).collect().map_err(|e| {
            let list: Vec<String> = labels.iter().map(|(k, n, w)| format!("{k} {n:?} (`{w}`)")).collect();
            Error::config(
                "rules",
                format!(
                    "cannot evaluate {}: {e}; compare numbers with numbers and text with 'text' (`scorebook features --list` gives each feature's type)",
                    list.join(", ")
                ),
            )
        })?;
        let matches = |i: usize| -> Result<Vec<bool>> {
            let (kind, name, when) = labels[i];
            let c = res.column(&format!("__p{i}"))?;
            let b = c.bool().map_err(|_| {
                Error::config(
                    "rules",
                    format!("{kind} {name:?}: `{when}` is not a true/false predicate"),
                )
            })?;
            // NULL (a comparison with a missing value) does not match; a
            // predicate of no feature (`1 = 1`) is one value for every row
            let v: Vec<bool> = b.iter().map(|v| v.unwrap_or(false)).collect();
            Ok(if v.len() == 1 { vec![v[0]; n] } else { v })
        };
        for (i, (r, _)) in self.rules.iter().enumerate() {
            for (row, m) in matches(i)?.into_iter().enumerate() {
                if m {
                    out.points[row] += r.points;
                    out.matched[row].push((r.name.clone(), r.points));
                }
            }
        }
        for (i, (d, _)) in self.disq.iter().enumerate() {
            for (row, m) in matches(self.rules.len() + i)?.into_iter().enumerate() {
                if m && out.disqualified[row].is_none() {
                    out.disqualified[row] = Some(d.name.clone());
                }
            }
        }
        Ok(out)
    }
}

/// A feature column for the rules' frame, NULL where `missing`.
fn column(name: &str, v: &Values, missing: Option<&[bool]>) -> Column {
    fn masked<T: Copy>(v: impl Iterator<Item = T>, missing: Option<&[bool]>) -> Vec<Option<T>> {
        v.enumerate()
            .map(|(i, x)| missing.is_none_or(|m| !m[i]).then_some(x))
            .collect()
    }
    match v {
        Values::Num(v) => Column::new(name.into(), masked(v.iter().copied(), missing)),
        Values::Bool(v) => Column::new(name.into(), masked(v.iter().copied(), missing)),
        Values::Text(v) => Column::new(name.into(), masked(v.iter().map(String::as_str), missing)),
    }
}

/// Parses, checks and evaluates the rules on a feature table in one go.
pub fn evaluate(
    rules: &[Rule],
    disq: &[Disqualifier],
    table: &FeatureTable,
    spec: &FeatureSpec,
) -> Result<RuleResult> {
    let set = RuleSet::of(rules, disq, spec)?;
    set.evaluate(&set.frame(table, spec)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features() -> Vec<String> {
        [
            "employees",
            "industry",
            "tech_marketo",
            "signal_demo_request_30d",
            "Lead Source",
        ]
        .map(String::from)
        .to_vec()
    }

    fn ok(when: &str) -> String {
        Predicate::parse("rule", "r", when, &features())
            .unwrap_or_else(|e| panic!("{when}: {e}"))
            .render(Target::Sql(Dialect::DuckDb), &|n| quoted(n, '"'))
    }

    fn refused(when: &str) -> String {
        Predicate::parse("rule", "r", when, &features())
            .map(|_| panic!("{when} was accepted"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_portable_forms_are_accepted() {
        assert_eq!(
            ok("industry IN ('Software', 'IT Services')"),
            "(industry IN ('Software', 'IT Services'))"
        );
        assert_eq!(ok("industry not in ('A')"), "(industry NOT IN ('A'))");
        assert_eq!(
            ok("employees between 100 and 1000 -- mid-market\n"),
            "(employees BETWEEN 100 AND 1000)"
        );
        assert_eq!(ok("industry LIKE 'Soft%'"), "(industry LIKE 'Soft%')");
        assert_eq!(ok("employees IS NULL"), "(employees IS NULL)");
        assert_eq!(
            ok("NOT (tech_marketo OR employees > 5)"),
            "(NOT ((tech_marketo OR (employees > 5))))"
        );
        assert_eq!(
            ok("case when employees > 10 then 1 else 0 end = 1"),
            "(CASE WHEN (employees > 10) THEN 1 ELSE 0 END = 1)"
        );
        assert_eq!(ok("NULLIF(employees, 0) > 1"), "(NULLIF(employees, 0) > 1)");
        assert_eq!(ok("employees / 0 > 1"), "((employees / NULLIF(0, 0)) > 1)");
        assert_eq!(
            ok("tech_marketo IS NOT TRUE"),
            "(NOT COALESCE(tech_marketo, FALSE))"
        );
        assert_eq!(ok("\"Lead Source\" = 'Web'"), "(\"Lead Source\" = 'Web')");
        assert_eq!(ok("employees != 3 /* block */"), "(employees <> 3)");
        assert_eq!(ok("industry = 'O''Neil'"), "(industry = 'O''Neil')");
        let p = Predicate::parse("rule", "r", "industry = 'O''Neil'", &features()).unwrap();
        assert_eq!(
            p.render(Target::Sql(Dialect::Spark), &|n| quoted(n, '`')),
            "(industry = 'O\\'Neil')"
        );
    }

    #[test]
    fn the_rest_is_refused_saying_what() {
        assert!(refused("employees > 1; DROP TABLE universe").contains("second statement"));
        assert!(refused("Marketo").contains("`Marketo` is not a feature"));
        assert!(refused("industry = \"Software\"").contains("single quotes"));
        assert!(refused("employees IN (SELECT 1)").contains("subquery"));
        assert!(
            refused("regexp_like(industry, 'x')").contains("functions every SQL dialect shares")
        );
        assert!(refused("industry ILIKE 'x'").contains("ILIKE"));
        assert!(refused("u.employees > 1").contains("table's column"));
        assert!(refused("CAST(employees AS INT) > 1").contains("CAST"));
        assert!(refused("employees == 1").contains("rule \"r\""));
        assert!(refused("employees > ").contains("cannot parse"));
        assert!(refused("ROUND(employees, -2) = 100").contains("ROUND's digits"));
    }
}
