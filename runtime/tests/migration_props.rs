//! Spec evolution as a property: for generated pairs of table layouts (columns kept, renamed,
//! dropped, widened, loosened, added with a default or as optional; indexes following their
//! columns) and generated rows, the migration `plan` + `script` write for SQLite — table
//! rebuilds included — runs on a real database holding those rows and leaves every row with
//! every kept value, the new columns filled as promised, the declared types, nullability and
//! indexes of the new layout, and an intact database. Planning again from the snapshot the
//! generator keeps finds nothing left to do.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)] // test code

use proptest::prelude::*;
use rusqlite::types::Value;
use securegen_model::migrate::{
    Column, ColumnType, Fill, Layout, Snapshot, Table, TableIndex, create_index, create_table, plan, script,
};
use securegen_model::model::{Literal, Number};
use securegen_model::sql::Dialect;

/// What happens to one old column.
#[derive(Debug, Clone, Copy)]
enum Step {
    Keep,
    Rename,
    Drop,
    /// `int` to `float` (the one widening a database stores differently), else kept.
    Widen,
    /// Required to optional.
    Loosen,
}

#[derive(Debug, Clone)]
struct Case {
    old: Vec<(ColumnType, bool)>,
    steps: Vec<Step>,
    /// Added columns: type, and whether optional (else a default).
    added: Vec<(ColumnType, bool)>,
    rows: Vec<Vec<Value>>,
}

fn column_type() -> impl Strategy<Value = ColumnType> {
    prop_oneof![Just(ColumnType::Text), Just(ColumnType::Integer), Just(ColumnType::Real), Just(ColumnType::Boolean)]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![Just(Step::Keep), Just(Step::Rename), Just(Step::Drop), Just(Step::Widen), Just(Step::Loosen)]
}

fn value(ty: ColumnType, nullable: bool) -> BoxedStrategy<Value> {
    let v = match ty {
        ColumnType::Integer => any::<i64>().prop_map(Value::Integer).boxed(),
        ColumnType::Real => (-1e12f64..1e12).prop_map(Value::Real).boxed(),
        ColumnType::Boolean => any::<bool>().prop_map(|b| Value::Integer(i64::from(b))).boxed(),
        _ => "(?s).{0,12}".prop_map(Value::Text).boxed(),
    };
    if nullable { prop_oneof![1 => Just(Value::Null), 3 => v].boxed() } else { v }
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((column_type(), any::<bool>()), 1..6),
        prop::collection::vec((column_type(), any::<bool>()), 0..3),
    )
        .prop_flat_map(|(old, added)| {
            let rows = prop::collection::vec(
                old.iter().map(|(ty, nullable)| value(*ty, *nullable)).collect::<Vec<_>>(),
                0..12,
            );
            let steps = prop::collection::vec(step(), old.len());
            (Just(old), steps, Just(added), rows)
        })
        .prop_map(|(old, steps, added, rows)| Case { old, steps, added, rows })
}

fn column(name: &str, ty: ColumnType, nullable: bool) -> Column {
    Column {
        name: name.to_owned(),
        ty,
        nullable,
        primary: false,
        renamed_from: None,
        fill: Fill::Null,
        references: None,
    }
}

fn id() -> Column {
    Column { primary: true, ..column("id", ColumnType::Text, false) }
}

fn index(col: &str) -> TableIndex {
    TableIndex { name: format!("things_{col}_id_idx"), columns: vec![col.to_owned(), "id".to_owned()] }
}

fn default_of(ty: ColumnType, i: usize) -> Literal {
    let i = i64::try_from(i).unwrap();
    match ty {
        ColumnType::Integer => Literal::Number(Number::Int(-7 * i)),
        ColumnType::Real => Literal::Number(Number::Float(0.5 + i as f64)),
        ColumnType::Boolean => Literal::Bool(i % 2 == 0),
        _ => Literal::Text(format!("it's {i}")),
    }
}

fn stored(l: &Literal) -> Value {
    match l {
        Literal::Bool(b) => Value::Integer(i64::from(*b)),
        Literal::Number(Number::Int(i)) => Value::Integer(*i),
        Literal::Number(Number::Float(f)) => Value::Real(*f),
        Literal::Text(s) => Value::Text(s.clone()),
    }
}

fn table(columns: Vec<Column>, indexes: Vec<TableIndex>) -> Layout {
    Layout {
        tables: vec![Table { resource: "thing".into(), name: "things".into(), renamed_from: None, columns, indexes }],
    }
}

/// The old layout, the new one, and for each new column where its values come from: an old
/// column's position, or a literal.
fn layouts(c: &Case) -> (Layout, Layout, Vec<Result<usize, Value>>) {
    let old_cols: Vec<Column> =
        c.old.iter().enumerate().map(|(i, (ty, nullable))| column(&format!("c{i}"), *ty, *nullable)).collect();
    let mut new_cols = vec![id()];
    let mut source = vec![];
    let mut new_indexes = vec![];
    for (i, (old, step)) in old_cols.iter().zip(&c.steps).enumerate() {
        let mut col = old.clone();
        match step {
            Step::Keep => {}
            Step::Drop => continue,
            Step::Rename => {
                col.name = format!("r{i}");
                col.renamed_from = Some(old.name.clone());
            }
            Step::Widen if old.ty == ColumnType::Integer => col.ty = ColumnType::Real,
            Step::Widen => {}
            Step::Loosen => col.nullable = true,
        }
        if i == 0 {
            new_indexes.push(index(&col.name));
        }
        source.push(Ok(i));
        new_cols.push(col);
    }
    for (j, (ty, optional)) in c.added.iter().enumerate() {
        let mut col = column(&format!("n{j}"), *ty, *optional);
        if !optional {
            col.fill = Fill::Default(default_of(*ty, j));
        }
        source.push(Err(match &col.fill {
            Fill::Default(l) => stored(l),
            _ => Value::Null,
        }));
        // Added columns land anywhere among the kept ones: a rebuild copies by name.
        let at = 1 + (j * 7) % new_cols.len();
        new_cols.insert(at, col);
        let last = source.pop().unwrap();
        source.insert(at - 1, last);
    }
    let mut all_old = vec![id()];
    all_old.extend(old_cols);
    (table(all_old, vec![index("c0")]), table(new_cols, new_indexes), source)
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Integer(i), Value::Real(f)) | (Value::Real(f), Value::Integer(i)) => (*i as f64) == *f,
        _ => a == b,
    }
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let (old, new, source) = layouts(c);
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let t = &old.tables[0];
    conn.execute_batch(&create_table(t, Dialect::Sqlite)).unwrap();
    for ix in &t.indexes {
        conn.execute_batch(&create_index(&t.name, ix)).unwrap();
    }
    let marks: Vec<String> = (0..t.columns.len()).map(|i| format!("?{}", i + 1)).collect();
    let insert = format!("INSERT INTO things VALUES ({})", marks.join(", "));
    for (n, row) in c.rows.iter().enumerate() {
        let mut values = vec![Value::Text(format!("row-{n}"))];
        values.extend(row.iter().cloned());
        conn.execute(&insert, rusqlite::params_from_iter(values)).unwrap();
    }

    let changes = plan(&old, &new).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    let sql = script(&changes, &old, &new).sqlite;
    conn.execute_batch(&format!("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE; {sql}; COMMIT;"))
        .map_err(|e| TestCaseError::fail(format!("{e}\n{sql}")))?;

    let nt = &new.tables[0];
    let mut info = conn.prepare("SELECT name, type, \"notnull\" FROM pragma_table_info('things')").unwrap();
    let mut found: Vec<(String, String, bool)> =
        info.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let mut want: Vec<(String, String, bool)> = nt
        .columns
        .iter()
        .map(|col| {
            let ty = match col.ty {
                ColumnType::Integer | ColumnType::Boolean | ColumnType::Version => "INTEGER",
                ColumnType::Real => "REAL",
                _ => "TEXT",
            };
            (col.name.clone(), ty.to_owned(), !col.nullable)
        })
        .collect();
    found.sort();
    want.sort();
    prop_assert_eq!(found, want, "{}", sql);

    let mut ix = conn.prepare("SELECT name FROM pragma_index_list('things') WHERE origin = 'c'").unwrap();
    let mut indexes: Vec<String> = ix.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    indexes.sort();
    let mut want_ix: Vec<String> = nt.indexes.iter().map(|i| i.name.clone()).collect();
    want_ix.sort();
    prop_assert_eq!(indexes, want_ix, "{}", sql);

    let names: Vec<String> = nt.columns.iter().map(|c| format!("\"{}\"", c.name)).collect();
    let select = format!("SELECT {} FROM things ORDER BY id", names.join(", "));
    let mut q = conn.prepare(&select).unwrap();
    let rows: Vec<(String, Vec<Value>)> = q
        .query_map([], |r| Ok((r.get(0)?, (1..names.len()).map(|i| r.get::<_, Value>(i)).collect::<Result<_, _>>()?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    prop_assert_eq!(rows.len(), c.rows.len(), "no row is lost");
    for (row_id, values) in &rows {
        let n: usize = row_id.strip_prefix("row-").unwrap().parse().unwrap();
        for (k, (got, from)) in values.iter().zip(&source).enumerate() {
            let expected = match from {
                Ok(i) => &c.rows[n][*i],
                Err(literal) => literal,
            };
            prop_assert!(same(got, expected), "row {n}, column {}: {got:?} != {expected:?}\n{sql}", names[k + 1]);
        }
    }
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    prop_assert_eq!(integrity, "ok");

    // The generator keeps the new layout; planning from it again finds nothing to do.
    let kept = Snapshot::parse(&Snapshot::new(2, &new).to_text()).unwrap().layout();
    prop_assert_eq!(plan(&kept, &new).unwrap(), vec![]);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_migration_keeps_every_row_and_every_kept_value(c in case()) {
        check(&c)?;
    }
}
