//! Small pieces every section uses: points as numbers, people as cells.

use maud::{html, Markup};

use super::super::names::People;

/// A number of points as the report shows it (three decimals at most).
pub(super) fn points(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s {
        "-0" => "0".to_string(),
        s => s.to_string(),
    }
}

/// A person as the tables show them: the name (or id), then country and
/// organisation in small type.
pub(super) fn who(people: &People, id: &str) -> Markup {
    let p = people.get(id);
    let detail: Vec<&str> = p
        .map(|p| [p.country.as_str(), p.organization.as_str()])
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    html! {
        div.who {
            (people.label(id))
            small { (id) @if !detail.is_empty() { " · " (detail.join(" · ")) } }
        }
    }
}
