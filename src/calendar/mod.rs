//! Time: working hours laid out on the programme's real calendar.
//!
//! - [`overlap`]: DST-aware weekly overlap of two people's working hours
//!   (the overlap rule and the time-zone criterion).
//! - [`slots`]: DST-aware weekly group-session slots and their classes.
//! - [`sessions`]: a pair's best weekly bilateral session slots.
//! - [`meetings`]: the best start of each joint meeting, searched over
//!   every candidate start.
//! - [`week`]: two schedules' working hours as UTC weeks, split where
//!   clock changes move them (the report's picture of hours that meet).
//!
//! Everything goes through the IANA database (`chrono-tz`), so clock changes
//! (summer time, Morocco's Ramadan offset, Egypt's summer time since 2023)
//! move intervals on the days they happen.

pub(crate) mod meetings;
pub(crate) mod overlap;
pub(crate) mod sessions;
pub(crate) mod slots;
pub(crate) mod week;

pub(crate) use overlap::{format_hhmm, parse_hhmm, round_hours, Overlap, OverlapTable, Period};
pub(crate) use slots::{Slot, SlotClass};
