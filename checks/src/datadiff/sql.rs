//! The SQL of a data diff, in one shape for every engine: both sides' rows stacked
//! (`UNION ALL`) and grouped by key, so each key carries how many rows it has on each
//! side and, per compared column, its value on each side and whether that changed.
//! Grouping spills to disk on both engines where a join's hash table might not, and
//! needs no `FULL JOIN` (which ClickHouse 18.16 writes differently).

use crate::dialect::Dialect;

/// The two relations compared and how their columns line up.
#[derive(Clone, Copy)]
pub struct Layout<'a> {
    /// How the warehouse spells SQL.
    pub dialect: &'a dyn Dialect,
    /// The relation before the change.
    pub base: &'a str,
    /// The relation after it.
    pub head: &'a str,
    /// The key columns, in both.
    pub key: &'a [String],
    /// Columns in both, not in the key, with whether their type changed (they are then
    /// compared as text).
    pub compared: &'a [(String, bool)],
    /// Only the keys of part `.0` of `.1` (by a hash of the key), or all of them: a
    /// grouping too large for the engine's memory is made part by part, and every
    /// count adds up over the parts.
    pub part: Option<(u64, u64)>,
}

impl Layout<'_> {
    fn q(&self, name: &str) -> String {
        self.dialect.quote_ident(name)
    }

    /// Every key column has a value (and the key is in this part).
    fn keyed(&self) -> String {
        let quoted: Vec<String> = self.key.iter().map(|k| self.q(k)).collect();
        let mut filter: Vec<String> = quoted.iter().map(|k| format!("{k} IS NOT NULL")).collect();
        if let Some((index, of)) = self.part {
            filter.push(format!("{} = {index}", self.dialect.key_bucket(&quoted, of)));
        }
        filter.join(" AND ")
    }

    fn side(&self, relation: &str, side: u8) -> String {
        let mut select: Vec<String> = self
            .key
            .iter()
            .enumerate()
            .map(|(j, k)| format!("{} AS hm_k{j}", self.q(k)))
            .collect();
        select.push(format!("{side} AS hm_side"));
        for (i, (c, retyped)) in self.compared.iter().enumerate() {
            let v = if *retyped {
                self.dialect.cast_text(&self.q(c))
            } else {
                self.q(c)
            };
            select.push(format!("{v} AS hm_v{i}"));
        }
        format!(
            "SELECT {} FROM {} WHERE {}",
            select.join(", "),
            self.dialect.quote_relation(relation),
            self.keyed()
        )
    }

    /// One row per key with a value: `hm_nb`/`hm_nh` rows on each side, and per
    /// compared column `hm_b<i>`/`hm_h<i>` (its value on each side, NULL where absent)
    /// and `hm_c<i>` (1 when present or NULL on one side only, or the values differ).
    pub fn by_key(&self) -> String {
        let d = self.dialect;
        let keys: Vec<String> = (0..self.key.len()).map(|j| format!("hm_k{j}")).collect();
        let mut select = keys.clone();
        select.push(format!("{} AS hm_nb", d.count_if("hm_side = 0")));
        select.push(format!("{} AS hm_nh", d.count_if("hm_side = 1")));
        for i in 0..self.compared.len() {
            let on = |side: u8| format!("CASE WHEN hm_side = {side} THEN hm_v{i} END");
            select.push(format!("max({}) AS hm_b{i}", on(0)));
            select.push(format!("max({}) AS hm_h{i}", on(1)));
            select.push(format!(
                "CASE WHEN count({b}) <> count({h}) THEN 1 WHEN max({b}) <> max({h}) THEN 1 ELSE 0 END AS hm_c{i}",
                b = on(0),
                h = on(1)
            ));
        }
        format!(
            "SELECT {} FROM ({} UNION ALL {}) AS hm_both GROUP BY {}",
            select.join(", "),
            self.side(self.base, 0),
            self.side(self.head, 1),
            keys.join(", ")
        )
    }

    /// 1 when any compared column changed.
    fn any_change(&self) -> String {
        if self.compared.is_empty() {
            return "0".into();
        }
        let flags: Vec<String> = (0..self.compared.len()).map(|i| format!("hm_c{i}")).collect();
        format!("({}) > 0", flags.join(" + "))
    }

    /// The counts: keys only in base (`hm_only_base`), only in head, matched once on
    /// each side, matched and changed, keys repeated on each side, and per compared
    /// column the matched keys whose value changed (`hm_changed_<i>`).
    pub fn counts(&self) -> String {
        let d = self.dialect;
        let matched = "hm_nb = 1 AND hm_nh = 1";
        let mut select = vec![
            format!("{} AS hm_only_base", d.count_if("hm_nb = 1 AND hm_nh = 0")),
            format!("{} AS hm_only_head", d.count_if("hm_nb = 0 AND hm_nh = 1")),
            format!("{} AS hm_matched", d.count_if(matched)),
            format!(
                "{} AS hm_changed",
                d.count_if(&format!("{matched} AND {}", self.any_change()))
            ),
            format!("{} AS hm_single_base", d.count_if("hm_nb = 1")),
            format!("{} AS hm_single_head", d.count_if("hm_nh = 1")),
            format!("{} AS hm_repeated_base", d.count_if("hm_nb > 1")),
            format!("{} AS hm_repeated_head", d.count_if("hm_nh > 1")),
        ];
        for i in 0..self.compared.len() {
            select.push(format!(
                "{} AS hm_changed_{i}",
                d.count_if(&format!("{matched} AND hm_c{i} = 1"))
            ));
        }
        format!("SELECT {} FROM ({}) AS hm_keys", select.join(", "), self.by_key())
    }

    /// At most `limit` keys of one kind, in key order, with their values on both sides.
    pub fn samples(&self, kind: SampleKind, limit: usize) -> String {
        let filter = match kind {
            SampleKind::OnlyInBase => "hm_nb = 1 AND hm_nh = 0".to_string(),
            SampleKind::OnlyInHead => "hm_nb = 0 AND hm_nh = 1".to_string(),
            SampleKind::Changed => format!("hm_nb = 1 AND hm_nh = 1 AND {}", self.any_change()),
        };
        let keys: Vec<String> = (0..self.key.len()).map(|j| format!("hm_k{j}")).collect();
        format!(
            "SELECT * FROM ({}) AS hm_keys WHERE {filter} ORDER BY {} LIMIT {limit}",
            self.by_key(),
            keys.join(", ")
        )
    }
}

/// Which rows a sample shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// Keys the change removed.
    OnlyInBase,
    /// Keys the change added.
    OnlyInHead,
    /// Keys on both sides with a value changed.
    Changed,
}

/// One column's profile on one side, as [`profile`] asks for it.
pub struct Profiled<'a> {
    /// The column.
    pub name: &'a str,
    /// Whether min, max and mean are measured (a number).
    pub number: bool,
}

/// One scan of `relation`: its rows, those with every `key` column set, and per
/// column its NULLs (`hm_n<i>`), distinct values (`hm_d<i>`), and for numbers the
/// smallest, largest and mean value as doubles (`hm_min<i>`, `hm_max<i>`, `hm_mean<i>`).
/// With `spill`, distinct values are counted by a `GROUP BY` each where the engine has
/// one that spills to disk (ClickHouse), for a relation whose exact sets do not fit
/// in memory.
pub fn profile(d: &dyn Dialect, relation: &str, key: &[String], columns: &[Profiled<'_>], spill: bool) -> String {
    let quoted = d.quote_relation(relation);
    let mut select = vec!["count(*) AS hm_rows".to_string()];
    if !key.is_empty() {
        let keyed = key
            .iter()
            .map(|k| format!("{} IS NOT NULL", d.quote_ident(k)))
            .collect::<Vec<_>>()
            .join(" AND ");
        select.push(format!("{} AS hm_keyed", d.count_if(&keyed)));
    }
    for (i, c) in columns.iter().enumerate() {
        let col = d.quote_ident(c.name);
        select.push(format!("{} AS hm_n{i}", d.count_if(&format!("{col} IS NULL"))));
        let one = std::slice::from_ref(&col);
        let distinct = spill
            .then(|| d.count_distinct_spilling(&quoted, one, false))
            .flatten()
            .unwrap_or_else(|| d.count_distinct(one));
        select.push(format!("{distinct} AS hm_d{i}"));
        if c.number {
            let x = d.to_double(&col);
            select.push(format!("min({x}) AS hm_min{i}"));
            select.push(format!("max({x}) AS hm_max{i}"));
            select.push(format!("avg({x}) AS hm_mean{i}"));
        }
    }
    format!("SELECT {} FROM {quoted}", select.join(", "))
}

/// The `limit` most frequent values of `column` in `relation`, most frequent first,
/// ties in text order.
pub fn top_values(d: &dyn Dialect, relation: &str, column: &str, limit: usize) -> String {
    let col = d.quote_ident(column);
    let text = d.cast_text(&col);
    format!(
        "SELECT {text} AS hm_value, count(*) AS hm_rows FROM {} WHERE {col} IS NOT NULL GROUP BY {text} ORDER BY hm_rows DESC, hm_value LIMIT {limit}",
        d.quote_relation(relation)
    )
}
