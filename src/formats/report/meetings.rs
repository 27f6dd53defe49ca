//! Joint meetings: each meeting's date and time in every participant's
//! zone, how many are inside their working hours, and who is not, why and
//! by how much.

use maud::{html, Markup};

use crate::wire::pb;

use super::super::names::{absence, People};
use super::parts::who;

/// The joint meetings section.
pub(super) fn section(people: &People, resp: &pb::SolveResponse) -> Markup {
    html! {
        section #meetings {
            h2 { "Joint meetings" }
            @for (k, m) in resp.joint_meetings.iter().enumerate() { (meeting(people, k, m)) }
        }
    }
}

fn meeting(people: &People, k: usize, m: &pb::JointMeeting) -> Markup {
    let w = m.window.clone().unwrap_or_default();
    html! {
        div.person {
            h3 {
                "Meeting " (k + 1) ": "
                @if m.start_utc.is_empty() { "no date found" } @else {
                    (m.date) " " (m.start) " " (m.time_zone) ", " (m.minutes) " min"
                }
            }
            p {
                "Window " (w.from) " to " (w.until) ", " (m.candidates) " candidate starts. "
                (m.message) "."
            }
            @if !m.local_times.is_empty() {
                table {
                    thead { tr { th { "time zone" } th { "local time" } } }
                    tbody { @for z in &m.local_times { tr { td { (z.time_zone) } td { (z.local) } } } }
                }
            }
            @if !m.outside.is_empty() {
                table {
                    thead { tr { th { "outside their hours" } th { "why" } th { "minutes outside" } th { "their time" } } }
                    tbody {
                        @for o in &m.outside {
                            tr { td { (who(people, &o.person_id)) } td { (absence(o.reason)) } td { (o.minutes_outside) } td { (o.local) } }
                        }
                    }
                }
            }
        }
    }
}
