//! Decisions on a stored matching's pairs and memberships, and the events of
//! a programme's audit trail, as stored.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::row::{Columns, StoreError};
use crate::wire::pb;

/// What happened to a pair or membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    /// Both sides said yes.
    Accepted,
    /// Someone said no (with a reason).
    Declined,
    /// The pair stopped before the programme's end (with a date).
    EndedEarly,
}

impl DecisionKind {
    const ALL: [DecisionKind; 3] = [
        DecisionKind::Accepted,
        DecisionKind::Declined,
        DecisionKind::EndedEarly,
    ];

    /// As stored.
    pub fn name(self) -> &'static str {
        match self {
            DecisionKind::Accepted => "ACCEPTED",
            DecisionKind::Declined => "DECLINED",
            DecisionKind::EndedEarly => "ENDED_EARLY",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// From the wire enum (`None` for UNSPECIFIED or unknown values).
    pub fn from_pb(v: i32) -> Option<Self> {
        match pb::DecisionKind::try_from(v).ok()? {
            pb::DecisionKind::Unspecified => None,
            pb::DecisionKind::Accepted => Some(DecisionKind::Accepted),
            pb::DecisionKind::Declined => Some(DecisionKind::Declined),
            pb::DecisionKind::EndedEarly => Some(DecisionKind::EndedEarly),
        }
    }

    fn to_pb(self) -> pb::DecisionKind {
        match self {
            DecisionKind::Accepted => pb::DecisionKind::Accepted,
            DecisionKind::Declined => pb::DecisionKind::Declined,
            DecisionKind::EndedEarly => pb::DecisionKind::EndedEarly,
        }
    }
}

/// One stored decision.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRecord {
    /// Assigned by the store (0 before).
    pub decision_id: i64,
    /// The programme of the matching.
    pub programme_id: String,
    /// Its cohort.
    pub cohort: String,
    /// The matching decided on.
    pub run_id: String,
    /// The mentor (the lead mentor for a membership).
    pub mentor_id: String,
    /// The mentee.
    pub mentee_id: String,
    /// A group membership rather than a pair.
    pub membership: bool,
    /// What happened.
    pub kind: DecisionKind,
    /// Why (may be empty; emptied by an erasure).
    pub reason: String,
    /// When it was decided or ended.
    pub decided_on: NaiveDate,
    /// When it was stored.
    pub recorded_at: DateTime<Utc>,
    /// Who stored it.
    pub caller: String,
}

impl DecisionRecord {
    /// As the API shows it.
    pub fn to_pb(&self) -> pb::DecisionRecord {
        pb::DecisionRecord {
            decision_id: self.decision_id.max(0) as u64,
            programme_id: self.programme_id.clone(),
            cohort: self.cohort.clone(),
            run_id: self.run_id.clone(),
            decision: Some(pb::Decision {
                mentor_id: self.mentor_id.clone(),
                mentee_id: self.mentee_id.clone(),
                membership: self.membership,
                kind: self.kind.to_pb() as i32,
                reason: self.reason.clone(),
                date: self.decided_on.to_string(),
            }),
            record_time: self
                .recorded_at
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            caller: self.caller.clone(),
        }
    }

    /// Its event's detail: ids only.
    pub(super) fn detail(&self) -> String {
        let what = if self.membership {
            "membership"
        } else {
            "pair"
        };
        format!(
            "{} {what} ({}, {}) of run {}",
            self.kind.name(),
            self.mentor_id,
            self.mentee_id,
            self.run_id
        )
    }
}

/// A decision from its row.
pub(super) fn decision_from_row(row: &impl Columns) -> Result<DecisionRecord, StoreError> {
    let id = row.int("decision_id")?;
    let kind = row.text("kind")?;
    Ok(DecisionRecord {
        decision_id: id,
        programme_id: row.text("programme_id")?,
        cohort: row.text("cohort")?,
        run_id: row.text("run_id")?,
        mentor_id: row.text("mentor_id")?,
        mentee_id: row.text("mentee_id")?,
        membership: row.flag("membership")?,
        kind: DecisionKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
            run_id: format!("decision {id}"),
            why: format!("unknown kind {kind:?}"),
        })?,
        reason: row.text("reason")?,
        decided_on: row.day("decided_on")?,
        recorded_at: row.time("recorded_at")?,
        caller: row.text("caller")?,
    })
}

/// One entry of a programme's audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Increasing.
    pub event_id: i64,
    /// The programme.
    pub programme_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// "run", "adoption", "decision", "erasure" or "deletion".
    pub kind: String,
    /// The run concerned, if any.
    pub run_id: String,
    /// Who.
    pub caller: String,
    /// Ids and counts only.
    pub detail: String,
}

impl EventRecord {
    /// As the API shows it.
    pub fn to_pb(&self) -> pb::Event {
        pb::Event {
            event_id: self.event_id.max(0) as u64,
            programme_id: self.programme_id.clone(),
            time: self.at.to_rfc3339_opts(SecondsFormat::Millis, true),
            kind: self.kind.clone(),
            run_id: self.run_id.clone(),
            caller: self.caller.clone(),
            detail: self.detail.clone(),
        }
    }
}

/// An event from its row.
pub(super) fn event_from_row(row: &impl Columns) -> Result<EventRecord, StoreError> {
    Ok(EventRecord {
        event_id: row.int("event_id")?,
        programme_id: row.text("programme_id")?,
        at: row.time("at")?,
        kind: row.text("kind")?,
        run_id: row.text("run_id")?,
        caller: row.text("caller")?,
        detail: row.text("detail")?,
    })
}
