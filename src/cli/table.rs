//! Human-readable text renderings of responses: the solve table, the check
//! table and the what-if table. Printing only; running is in the parent.

use mentormatch::pb;

/// A readable table of a response: the header, then pairs, unmatched
/// mentees, groups and infeasibilities (each section only when present).
pub fn table(r: &pb::SolveResponse) -> String {
    [
        header(r),
        pairs(r),
        unmatched(r),
        groups(r),
        meetings(r),
        infeasible(r),
    ]
    .concat()
}

/// The joint meetings: date and time in the meetings' zone and in every
/// participant's zone, then who is outside their hours.
fn meetings(r: &pb::SolveResponse) -> String {
    let mut s = String::new();
    if r.joint_meetings.is_empty() {
        return s;
    }
    s.push_str(
        "joint meetings:
",
    );
    for (k, m) in r.joint_meetings.iter().enumerate() {
        let w = m.window.clone().unwrap_or_default();
        if m.start_utc.is_empty() {
            s.push_str(&format!(
                "  {}. {} to {}: {}\n",
                k + 1,
                w.from,
                w.until,
                m.message
            ));
            continue;
        }
        s.push_str(&format!(
            "  {}. {} {} {} ({} min, window {} to {}): {}/{} inside their hours\n",
            k + 1,
            m.date,
            m.start,
            m.time_zone,
            m.minutes,
            w.from,
            w.until,
            m.inside,
            m.participants
        ));
        let zones: Vec<String> = m
            .local_times
            .iter()
            .map(|z| format!("{} {}", z.time_zone, z.local))
            .collect();
        s.push_str(&format!("     {}\n", zones.join("; ")));
        if !m.outside.is_empty() {
            s.push_str(&format!("     {}\n", m.message));
        }
    }
    s.push('\n');
    s
}

/// Status, engine, objective, coverage and scores; candidate pair counts.
fn header(r: &pb::SolveResponse) -> String {
    let stats = r.stats.unwrap_or_default();
    let mut s = format!(
        "status {}  engine {}  objective {}  matched {}/{}{}  total score {:.3}  lowest {:.3}\n",
        enum_name::<pb::SolveStatus>(r.status),
        enum_name::<pb::Engine>(stats.engine),
        enum_name::<pb::Objective>(stats.objective),
        stats.matched,
        stats.mentees,
        if stats.pairs > 0 {
            format!(" ({} pairs)", stats.pairs)
        } else {
            String::new()
        },
        stats.total_score,
        stats.min_pair_score,
    );
    s.push_str(&format!(
        "candidate pairs: {} feasible of {}\n",
        stats.candidate_pairs_feasible, stats.candidate_pairs_total
    ));
    if let Some(l) = stats.stable_loss {
        s.push_str(&format!(
            "stable: {} fewer matched and {:.3} points below the coverage-then-score optimum ({} matched, {:.3})\n",
            l.matched_fewer, l.score_lower, l.optimum_matched, l.optimum_total_score
        ));
    }
    if let Some(b) = &r.blocking {
        let listed: Vec<String> = b
            .pairs
            .iter()
            .take(5)
            .map(|p| format!("{} – {} ({:.3})", p.mentee_id, p.mentor_id, p.score))
            .collect();
        let more = if b.count > 5 { ", …" } else { "" };
        s.push_str(&match b.count {
            0 => "blocking pairs: none (stable under the scores)\n".to_string(),
            n => format!("blocking pairs: {n}: {}{more}\n", listed.join(", ")),
        });
    }
    s.push('\n');
    s
}

/// The pairs, one row each under a heading, the id columns as wide as the
/// longest id (at least 6).
fn pairs(r: &pb::SolveResponse) -> String {
    let mut s = String::new();
    if r.pairs.is_empty() {
        return s;
    }
    let width = |f: fn(&pb::Pair) -> &str| {
        r.pairs
            .iter()
            .map(|p| f(p).chars().count())
            .max()
            .unwrap_or(0)
            .max(6)
    };
    let (we, wm) = (width(|p| &p.mentee_id), width(|p| &p.mentor_id));
    s.push_str(&format!(
        "{:<we$} {:<wm$} {:>8}  {:<10} {:>7}  {}\n",
        "mentee", "mentor", "score", "language", "overlap", "why"
    ));
    for p in &r.pairs {
        s.push_str(&pair_row(p, we, wm));
    }
    s
}

/// One pair's row: ids, score, first shared language, overlap, then the
/// pinned mark and the three largest positive score terms.
fn pair_row(p: &pb::Pair, we: usize, wm: usize) -> String {
    let lang = p
        .shared_languages
        .first()
        .map(|l| {
            format!(
                "{} {}",
                l.code,
                level_name(l.mentor_level.min(l.mentee_level))
            )
        })
        .unwrap_or_default();
    let mut terms = p.breakdown.clone();
    terms.sort_by(|a, b| b.points.total_cmp(&a.points));
    let why = terms
        .iter()
        .filter(|t| t.points > 0.0)
        .take(3)
        .map(|t| {
            format!(
                "{} {:.1}",
                enum_name::<pb::Criterion>(t.criterion).to_lowercase(),
                t.points
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{:<we$} {:<wm$} {:>8.3}  {:<10} {:>6.1}h  {}{}{}\n",
        p.mentee_id,
        p.mentor_id,
        p.score,
        lang,
        p.weekly_overlap_hours,
        if p.pinned { "[pinned] " } else { "" },
        why,
        sessions(p)
    )
}

/// The pair's session slots after its row's reasons, as the report words
/// them (`; sessions Europe/Madrid: Wed 14:00, Thu 14:00 (39 of 43 weeks)`).
fn sessions(p: &pb::Pair) -> String {
    match mentormatch::formats::session_slots(p) {
        s if s.is_empty() => s,
        s => format!("; {s}"),
    }
}

/// The unmatched mentees with their reasons.
fn unmatched(r: &pb::SolveResponse) -> String {
    let mut s = String::new();
    if !r.unmatched.is_empty() {
        s.push_str("\nunmatched:\n");
        for u in &r.unmatched {
            s.push_str(&format!(
                "  {} [{}]: {}\n",
                u.mentee_id,
                enum_name::<pb::UnmatchedReason>(u.reason),
                u.message
            ));
        }
    }
    s
}

/// The group summary, one line per group, then the ungrouped mentees (only
/// when the response has group statistics).
fn groups(r: &pb::SolveResponse) -> String {
    let mut s = String::new();
    let Some(gs) = r.group_stats else {
        return s;
    };
    s.push_str(&format!(
        "\ngroups: {} ({} mentees), status {}{}\n",
        gs.groups,
        gs.grouped_mentees,
        enum_name::<pb::SolveStatus>(gs.status),
        match (gs.gap, gs.bound) {
            (Some(gap), Some(bound)) => format!(
                ", objective {:.0}, bound {bound:.0}, gap {:.2}%",
                gs.objective,
                gap * 100.0
            ),
            _ => ", no proven bound (time limit)".to_string(),
        }
    ));
    for g in &r.groups {
        let slot = g.slot.clone().unwrap_or_default();
        s.push_str(&format!(
            "  {} {} [{}] {} {} {} ({} min, {}), score {:.3}: {}\n",
            g.id,
            g.mentor_ids.join(" + "),
            g.working_language,
            g.theme.join("/"),
            enum_name::<pb::Weekday>(slot.weekday)
                .trim_start_matches("Weekday")
                .to_lowercase(),
            slot.start,
            slot.minutes,
            slot.time_zone,
            g.score,
            g.member_ids.join(", ")
        ));
    }
    for u in &r.ungrouped {
        s.push_str(&format!(
            "  ungrouped {} [{}]: {}\n",
            u.mentee_id,
            enum_name::<pb::UngroupedReason>(u.reason),
            u.message
        ));
    }
    s
}

/// The infeasibilities (kind and message).
fn infeasible(r: &pb::SolveResponse) -> String {
    let mut s = String::new();
    if !r.infeasibilities.is_empty() {
        s.push_str("\ninfeasible:\n");
        for i in &r.infeasibilities {
            s.push_str(&format!("  {}: {}\n", i.kind, i.message));
        }
    }
    s
}

/// Findings one per line (severity, code, field, message), then the summary.
pub fn check_table(r: &pb::ValidateResponse) -> String {
    let mut t = String::new();
    for f in &r.findings {
        let sev = pb::Severity::try_from(f.severity)
            .map_or("?", |s| s.as_str_name().trim_start_matches("SEVERITY_"));
        let code = pb::FindingCode::try_from(f.code)
            .map_or("?", |c| c.as_str_name().trim_start_matches("FINDING_CODE_"));
        let field = if f.field.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.field)
        };
        t.push_str(&format!("{sev:<7} {code}{field}: {}\n", f.message));
        if let Some(c) = &f.certificate {
            for x in &c.relaxations {
                t.push_str(&format!("        fix: {}\n", x.message));
            }
        }
    }
    if let Some(s) = &r.summary {
        t.push_str(&format!(
            "summary: {} mentees, {} mentors, {} places, {} pinned; {} of {} pairs feasible; \
             {} mentees without a candidate; at most {} matched; minimums {} ({} places); engine {}\n",
            s.mentees,
            s.mentors,
            s.places,
            s.pinned_pairs,
            s.candidate_pairs_feasible,
            s.candidate_pairs_total,
            s.mentees_without_candidate,
            s.max_coverage.map_or("?".into(), |c| c.to_string()),
            match s.minimums_feasible {
                Some(true) => "feasible",
                Some(false) => "INFEASIBLE",
                None => "not checked",
            },
            s.minimum_places,
            pb::Engine::try_from(s.engine).map_or("?", |e| e.as_str_name().trim_start_matches("ENGINE_")),
        ));
    }
    t.push_str(if r.ok { "ok\n" } else { "errors found\n" });
    t
}

/// Every scenario of a what-if response (its diffs, then its solve table),
/// scenarios separated by a blank line.
pub fn whatif_table(r: &pb::WhatIfResponse) -> String {
    r.results
        .iter()
        .map(scenario)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One scenario: the pair diff, the membership diff (when there is one),
/// then the scenario's solve table.
fn scenario(r: &pb::ScenarioResult) -> String {
    let d = r.diff.clone().unwrap_or_default();
    let mut t = diff_lines(
        &format!("== scenario {:?}: ", r.name),
        &Changes {
            // The CHANGES view lists no kept pairs; kept_count counts them.
            kept: d.kept_count as usize,
            moved: &d.moved,
            added: &d.added,
            dropped: &d.dropped,
        },
        &format!(
            "coverage {:+}, score {:+.3}",
            d.coverage_change, d.score_change
        ),
        &PAIR_WORDS,
    );
    if let Some(g) = &r.membership_diff {
        t.push_str(&diff_lines(
            "   groups: ",
            &Changes {
                kept: g.kept.len(),
                moved: &g.moved,
                added: &g.added,
                dropped: &g.dropped,
            },
            &format!("grouped {:+}", g.coverage_change),
            &MEMBERSHIP_WORDS,
        ));
    }
    t.push_str(&table(&r.response.clone().unwrap_or_default()));
    t
}

/// The lists of a pair diff or of a membership diff.
struct Changes<'a> {
    /// How many were kept.
    kept: usize,
    moved: &'a [pb::Move],
    added: &'a [pb::PairRef],
    dropped: &'a [pb::PairRef],
}

/// The words in which the pair diff and the membership diff differ.
struct DiffWords {
    /// Before "kept" in the count line.
    kept_noun: &'static str,
    /// Before each mentor id of a move or an addition.
    mentor: &'static str,
    /// The verb of an addition.
    added: &'static str,
    /// The verb of a drop.
    dropped: &'static str,
    /// Before the mentor id of a drop.
    was: &'static str,
}

/// Pairs: mentees moved, added or dropped.
const PAIR_WORDS: DiffWords = DiffWords {
    kept_noun: "",
    mentor: "",
    added: "added",
    dropped: "dropped",
    was: "was ",
};

/// Memberships: mentees moved between groups, joined or left.
const MEMBERSHIP_WORDS: DiffWords = DiffWords {
    kept_noun: "members ",
    mentor: "group of ",
    added: "joined",
    dropped: "left",
    was: "was in the group of ",
};

/// A diff: the count line (`heading`, the counts, `totals`), then one line
/// per move, addition and drop.
fn diff_lines(heading: &str, c: &Changes, totals: &str, w: &DiffWords) -> String {
    let mut t = format!(
        "{heading}{} {}kept, {} moved, {} added, {} dropped; {totals}\n",
        c.kept,
        w.kept_noun,
        c.moved.len(),
        c.added.len(),
        c.dropped.len(),
    );
    for m in c.moved {
        t.push_str(&format!(
            "   moved   {}: {}{} -> {}{}\n",
            m.mentee_id, w.mentor, m.from_mentor_id, w.mentor, m.to_mentor_id
        ));
    }
    for p in c.added {
        t.push_str(&format!(
            "   {:<7} {}: {}{}\n",
            w.added, p.mentee_id, w.mentor, p.mentor_id
        ));
    }
    for p in c.dropped {
        t.push_str(&format!(
            "   {:<7} {}: {}{}\n",
            w.dropped, p.mentee_id, w.was, p.mentor_id
        ));
    }
    t
}

/// An enum value's variant name, or the number when it is unknown.
fn enum_name<E: TryFrom<i32> + std::fmt::Debug>(v: i32) -> String {
    E::try_from(v).map_or_else(|_| v.to_string(), |e| format!("{e:?}"))
}

/// A language level's name (the value clamped to 1..=7).
fn level_name(v: i32) -> &'static str {
    mentormatch::model::Level(v.clamp(1, 7) as u8).name()
}

/// One mentee's alternative mentors: each with its pair score and what
/// the programme loses (coverage, score) if the mentee is moved there.
pub(super) fn alternatives_table(r: &pb::AlternativesResponse) -> String {
    let current = match (r.current_mentor_id.is_empty(), r.current_mentor_ids.len()) {
        (true, _) => "unmatched".to_string(),
        (false, 0 | 1) => format!("now with {}", r.current_mentor_id),
        (false, _) => format!("now with {}", r.current_mentor_ids.join(", ")),
    };
    let mut t = format!("alternatives for {} ({current})\n\n", r.mentee_id);
    t.push_str(&format!(
        "{:<24} {:>10} {:>14} {:>11}  feasible\n",
        "mentor", "pair score", "coverage loss", "score loss"
    ));
    for a in &r.alternatives {
        t.push_str(&format!(
            "{:<24} {:>10.3} {:>14} {:>11.3}  {}\n",
            a.mentor_id,
            a.pair_score,
            a.coverage_loss,
            a.score_loss,
            if a.feasible { "yes" } else { "no" }
        ));
        if let Some(lost) = a.pairs_loss {
            // With demand: the mentors given over every mentee, lost.
            t.pop();
            t.push_str(&format!("  ({lost} pairs lost)\n"));
        }
    }
    if !r.excluded.is_empty() {
        t.push_str("\nexcluded by a hard rule:\n");
        for x in &r.excluded {
            let rules: Vec<String> = x
                .rules
                .iter()
                .map(|&h| {
                    pb::HardRule::try_from(h)
                        .map(|h| {
                            h.as_str_name()
                                .trim_start_matches("HARD_RULE_")
                                .to_lowercase()
                        })
                        .unwrap_or_default()
                })
                .collect();
            t.push_str(&format!("  {}: {}\n", x.mentor_id, rules.join(", ")));
        }
    }
    if r.candidates_skipped > 0 {
        t.push_str(&format!(
            "\n{} more candidates not evaluated (the limit)\n",
            r.candidates_skipped
        ));
    }
    t
}
