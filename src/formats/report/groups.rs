//! Groups: their mentors, theme and language, the weekly session in every
//! member's local time, and the mentees in no group with the reason.

use maud::{html, Markup};

use crate::wire::pb;

use super::super::names::People;
use super::parts::{points, who};

/// The groups section.
pub(super) fn section(people: &People, resp: &pb::SolveResponse) -> Markup {
    html! {
        section #groups {
            h2 { "Groups" }
            @for g in &resp.groups { (group(people, g)) }
            @if !resp.ungrouped.is_empty() {
                h3 { "Mentees in no group" }
                table {
                    thead { tr { th { "mentee" } th { "why" } } }
                    tbody { @for u in &resp.ungrouped { tr { td { (who(people, &u.mentee_id)) } td { (u.message) } } } }
                }
            }
        }
    }
}

/// One group: a heading, its session, then a row per mentor and member
/// with their local times.
fn group(people: &People, g: &pb::Group) -> Markup {
    let lead = g.mentor_ids.first().map_or("", String::as_str);
    let co = g.mentor_ids.get(1).map(String::as_str);
    let local = |id: &str| {
        g.local_times
            .iter()
            .find(|l| l.person_id == id)
            .map_or(String::new(), |l| {
                format!("{} ({})", l.local.join("; "), l.time_zone)
            })
    };
    html! {
        div.person {
            h3 {
                (g.id) ": " (people.label(lead))
                @if let Some(c) = co { " with " (people.label(c)) }
                " · " (g.member_ids.len()) " members"
            }
            p {
                @if let Some(s) = &g.slot {
                    "Weekly session: " (weekday(s.weekday)) " " (s.start) " " (s.time_zone) ", " (s.minutes) " min; first on " (s.first_utc) ". "
                }
                "Theme: " (g.theme.join(", ")) "; working language " (g.working_language) "; score " (points(g.score)) "."
            }
            table {
                thead { tr { th { "who" } th { "role" } th { "local time of the session" } } }
                tbody {
                    @for (k, m) in g.mentor_ids.iter().enumerate() {
                        tr { td { (who(people, m)) } td { (if k == 0 { "lead mentor" } else { "co-mentor" }) } td { (local(m)) } }
                    }
                    @for m in &g.member_ids {
                        tr { td { (who(people, m)) } td { "member" } td { (local(m)) } }
                    }
                }
            }
        }
    }
}

/// A weekday's name.
fn weekday(w: i32) -> &'static str {
    match pb::Weekday::try_from(w) {
        Ok(pb::Weekday::Monday) => "Monday",
        Ok(pb::Weekday::Tuesday) => "Tuesday",
        Ok(pb::Weekday::Wednesday) => "Wednesday",
        Ok(pb::Weekday::Thursday) => "Thursday",
        Ok(pb::Weekday::Friday) => "Friday",
        Ok(pb::Weekday::Saturday) => "Saturday",
        Ok(pb::Weekday::Sunday) => "Sunday",
        _ => "",
    }
}
